// Worker throughput: our worker (runWorker, as src/worker/main.ts starts it) against references, each in its
// own child process, on the same redis-server and the same in-process simulator (a scenario's latency and
// transient failure rate), alternating rounds: a minimal hand-written consumer (reference-consumer.ts, no
// retries: only without failures) and BullMQ (bullmq-consumer.ts, whole-job retries or skipping items
// already done, #12). BullMQ jobs are added with Queue.addBulk before the child starts; the clock runs
// from `go` to the child's report that every job completed or failed for good. Each run drains a stream of
// pre-filled batches: the consumer group is created at the end of the stream, the child starts and
// reports ready, then the group is moved to the start of the stream and one more batch wakes the
// blocked reader; the clock runs from there until every entry is delivered and acknowledged.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cli/local/free-port.ts';
import { startLocalRedis } from '../../src/cli/local/redis-server.ts';
import { enqueueBatches } from '../../src/cli/enqueue-batches.ts';
import { syntheticBatches } from '../../src/cli/workload.ts';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/server.ts';
import type { WorkerFileConfigInput } from '../../src/contracts/worker-config.ts';
import { UNCONTAINED_WORKER_HEAP, workerHeapFlags } from '../../src/contracts/worker-heap.ts';
import { encodeBatch } from '../../src/worker/message.ts';
import { createRedisClient, type RedisClient } from '../../src/contracts/redis-connection.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { LedgerSummary } from '../../src/simulator/ledger.ts';
import { queueSchema, retrySchema } from '../../src/api/inventory-bot.ts';
import { answered, watchDrainProgress } from './drain-progress.ts';
import { processFigures, type ProcessFigures } from './proc.ts';
import { median } from './stats.ts';

export type WorkerVariant =
  | 'inventorybot'
  | 'reference'
  | 'bullmq-whole'
  | 'bullmq-skip-done'
  /** skip-done with our worker's retry limits (OUR_RETRY_LIMITS): 25 attempts, backoff capped at 5 s. */
  | 'bullmq-skip-done-25'
  /** Diagnosis only (#12): our worker as built from the checkout at BENCH_BASELINE_REPO, for an A/B. */
  | 'baseline';

/** How our worker runs: compiled by tsc like the image's dist/ (the default), or from source (strip-types). */
export type WorkerBuild = 'compiled' | 'source';

export interface WorkerBenchOptions {
  batches: number;
  itemsPerBatch: number;
  rounds: number;
  /** Batches in flight and items of one batch at once, for both consumers. */
  concurrency: { batches: number; itemsPerBatch: number };
  readCount: number;
  /** Simulator transient failure share (500/503/429; a quarter of them after the effect was applied). */
  failureRate: number;
  /**
   * Simulator latency, ms (0: none, the CPU-bound case). With latency, concurrency rather than CPU sets
   * the pace, so our worker's calls in flight are capped at the references' (batches × itemsPerBatch,
   * spec.concurrency.upstreamCallsMax) and the ratio measures idle slots, not a larger pool (#12).
   */
  latency: { medianMs: number; p95Ms: number };
  /** Consumers to run, each every round. */
  variants: WorkerVariant[];
  workerBuild: WorkerBuild;
  log: (line: string) => void;
}

export const WORKER_BENCH_DEFAULTS: Omit<WorkerBenchOptions, 'log'> = {
  batches: 2000,
  itemsPerBatch: 10,
  rounds: 3,
  // The InventoryBot spec defaults (spec.concurrency, spec.queue.readCount).
  concurrency: { batches: 4, itemsPerBatch: 8 },
  readCount: 10,
  failureRate: 0,
  latency: { medianMs: 0, p95Ms: 0 },
  variants: ['reference', 'inventorybot', 'bullmq-whole'],
  workerBuild: 'compiled',
};

/**
 * Our worker's retry defaults as the spec's schema gives them (#12: read, not restated), for the BullMQ
 * variant that gives up no sooner than ours: attempts per delivery × deliveries before a dead letter,
 * and the backoff's base and cap.
 */
const retryDefaults = retrySchema.parse({});
export const OUR_RETRY_LIMITS = {
  attempts: retryDefaults.maxAttempts * queueSchema.shape.maxDeliveries.parse(undefined),
  baseDelayMs: retryDefaults.baseDelayMs,
  maxDelayMs: retryDefaults.maxDelayMs,
};

export interface WorkerRun {
  variant: WorkerVariant;
  round: number;
  seconds: number;
  itemsPerSecond: number;
  peakRssBytes: number;
  /** RSS when the stream was drained. */
  rssBytes: number;
  /** User + system CPU of the consumer from `go` until the drain ended (what the items cost). */
  cpuSeconds: number;
  /** CPU the consumer spent starting (process start until it reported ready): paid once, not per item. */
  startupCpuSeconds: number;
  /** CPU of the bench process (the in-process simulator) during the drain, in cores: near 1 means the
   * upstream, not the consumer, set the pace. */
  simulatorCores: number;
  /** Upstream effects the run left in the simulator's ledger (must equal the items enqueued). */
  effects: number;
  /** Items applied (distinct idempotency keys in the ledger) and apply requests answered, any status. */
  applied: number;
  requests: number;
  appliedTwice: number;
  /** Dead letters (ours) or jobs failed for good (BullMQ). */
  deadLetters: number;
  /** Seconds until 99 % of the items were applied, and calls answered after that (drain-progress.ts). */
  secondsTo99: number | undefined;
  tailCalls: number;
}

export interface WorkerSummary {
  variant: WorkerVariant;
  itemsPerSecond: number;
  peakRssBytes: number;
  rssBytes: number;
  cpuMsPer1000Items: number;
  startupCpuMs: number;
  simulatorCores: number;
  callsPerAppliedItem: number;
  /** The drain's last 1 %: seconds from 99 % of the items applied to drained. */
  tailSeconds: number;
  lostItems: number;
  appliedTwice: number;
  deadLetters: number;
}

export interface WorkerBenchResult {
  options: Omit<WorkerBenchOptions, 'log'>;
  runs: WorkerRun[];
  summaries: WorkerSummary[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const REPO = here('../../');
export const CHILD = {
  inventorybot: here('./worker-child.ts'),
  inventorybotCompiled: join(REPO, 'dist/bench/test/bench/worker-child.js'),
  reference: here('./reference-consumer.ts'),
  bullmq: here('./bullmq-consumer.ts'),
};
const NODE_ARGS = ['--experimental-strip-types', '--no-warnings'];
// Our worker runs as `inventorybot worker` and `npm run worker` start it outside a container: with the
// heap bounds of contracts/worker-heap.ts (#12).
export const WORKER_NODE_ARGS = workerHeapFlags(UNCONTAINED_WORKER_HEAP);

/**
 * Compiles worker-child.ts and the worker it imports with tsc to dist/bench, as the image builds dist/
 * (#12: the image runs compiled JS, ~25 MiB and some startup CPU less than strip-types); returns the entry.
 */
export function compileWorkerChild(repo = REPO): string {
  execFileSync(
    process.execPath,
    [
      join(REPO, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(repo, 'test/bench/tsconfig.worker-child.json'),
    ],
    { stdio: 'inherit' },
  );
  return join(repo, 'dist/bench/test/bench/worker-child.js');
}

/** BENCH_BASELINE_REPO=checkout (#12, diagnosis only): the `baseline` variant runs that checkout's worker. */
const baselineRepo = () => {
  const repo = process.env.BENCH_BASELINE_REPO;
  if (!repo) throw new Error('the baseline variant needs BENCH_BASELINE_REPO (a checkout to compare with)');
  return repo;
};

export interface Child {
  process: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

export function startChild(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Child> {
  // BENCH_TRACE_GC=file (#12, diagnosis only): the children's standard output, V8's GC trace in it.
  const stdout = process.env.BENCH_TRACE_GC ? openSync(process.env.BENCH_TRACE_GC, 'a') : 'ignore';
  const child = spawn(process.execPath, [...NODE_ARGS, ...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', stdout, 'pipe', 'ipc'],
  });
  if (typeof stdout === 'number') closeSync(stdout);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: Child = {
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void handle.stop();
      reject(new Error(`${script} not ready within 30 s: ${stderr}`));
    }, 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message === 'ready') resolve(handle);
      else reject(new Error(`unexpected message from ${script}: ${String(message)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${signal ?? code}) before ready: ${stderr}`));
    });
  });
}

async function waitDrained(
  client: RedisClient,
  names: { stream: string; group: string },
  lastId: string,
  child: Child,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`consumer exited: ${child.stderr()}`);
    const groups = await client.xInfoGroups(names.stream);
    const group = groups.find((g) => g.name === names.group);
    if (group && group['last-delivered-id'] === lastId && Number(group.pending) === 0) return;
    await sleep(10);
  }
  throw new Error(`stream ${names.stream} not drained within ${timeoutMs} ms: ${child.stderr()}`);
}

async function runOnce(
  variant: WorkerVariant,
  round: number,
  o: Omit<WorkerBenchOptions, 'log'>,
  deps: { client: RedisClient; redisUrl: string; dir: string },
): Promise<WorkerRun> {
  // A fresh simulator per run: its ledger (and the parent's heap) does not grow from run to run.
  const simulator = await startSimulator({
    latency: { ...o.latency, maxMs: 1000 },
    faults: { failureRate: o.failureRate },
    seed: round,
  });
  try {
    return variant.startsWith('bullmq')
      ? await bullmqOnce(variant, round, o, { ...deps, simulator })
      : await drainOnce(variant, round, o, { ...deps, simulator });
  } finally {
    await simulator.close();
  }
}

async function drainOnce(
  variant: WorkerVariant,
  round: number,
  o: Omit<WorkerBenchOptions, 'log'>,
  deps: { client: RedisClient; redisUrl: string; dir: string; simulator: SimulatorHandle },
): Promise<WorkerRun> {
  const { client, simulator } = deps;
  const id = `${variant}-${round}`;
  const names = { stream: `bench:${id}:batches`, group: `bench-${id}`, dead: `bench:${id}:dead` };
  const runId = `bench-${id}-${Date.now()}`;
  const all = [
    ...syntheticBatches({
      batches: o.batches,
      warehouses: 5,
      minItems: o.itemsPerBatch,
      maxItems: o.itemsPerBatch,
      runId,
    }),
  ];
  const last = all.pop();
  if (!last) throw new Error('no batches');
  await enqueueBatches(client, all, { stream: names.stream });
  await client.xGroupCreate(names.stream, names.group, '$', { MKSTREAM: true });

  const consumer = `${id}-consumer`;
  let child: Child;
  if (variant === 'inventorybot' || variant === 'baseline') {
    const config: WorkerFileConfigInput = {
      queue: {
        stream: names.stream,
        consumerGroup: names.group,
        deadLetterStream: names.dead,
        readCount: o.readCount,
      },
      // The token bucket stays in the path, with a limit the run never reaches.
      upstream: { primaryUrl: simulator.url, rateLimitPerSecond: 100_000 },
      concurrency:
        o.latency.medianMs > 0
          ? { ...o.concurrency, upstreamCallsMax: o.concurrency.batches * o.concurrency.itemsPerBatch }
          : o.concurrency,
      monitoring: { metricsPort: await freePort(), logLevel: 'info' },
    };
    const configPath = join(deps.dir, `${id}.json`);
    writeFileSync(configPath, JSON.stringify(config));
    child = await startChild(
      variant === 'baseline'
        ? join(baselineRepo(), 'dist/bench/test/bench/worker-child.js')
        : o.workerBuild === 'compiled'
          ? CHILD.inventorybotCompiled
          : CHILD.inventorybot,
      {
        REDIS_URL: deps.redisUrl,
        INVENTORYBOT_CONFIG: configPath,
        POD_NAME: consumer,
        // BENCH_HEAP_PROFILE=dir (#12, diagnosis only): worker-child.ts samples allocations into it.
        ...(process.env.BENCH_HEAP_PROFILE
          ? {
              BENCH_HEAP_PROFILE: join(process.env.BENCH_HEAP_PROFILE, `${id}-${Date.now()}.heapprofile`),
              BENCH_HEAP_PROFILE_SURVIVORS: process.env.BENCH_HEAP_PROFILE_SURVIVORS ?? '',
            }
          : {}),
      },
      // BENCH_CPU_PROFILE=dir (#12, diagnosis only): a V8 CPU profile of our worker, written at its exit.
      process.env.BENCH_CPU_PROFILE
        ? [...WORKER_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
        : [...WORKER_NODE_ARGS, ...(process.env.BENCH_TRACE_GC ? ['--trace-gc'] : [])],
    );
  } else {
    child = await startChild(CHILD.reference, {
      REDIS_URL: deps.redisUrl,
      STREAM: names.stream,
      GROUP: names.group,
      CONSUMER: consumer,
      UPSTREAM_URL: simulator.url,
      BATCHES: String(o.concurrency.batches),
      ITEMS_PER_BATCH: String(o.concurrency.itemsPerBatch),
      READ_COUNT: String(o.readCount),
    });
  }

  try {
    const before = upstreamTally(simulator);
    const atReady = processFigures(child.process.pid ?? -1);
    const simulatorCpu = process.cpuUsage();
    const started = performance.now();
    const progress = watchDrainProgress(simulator, o.batches * o.itemsPerBatch);
    await client.xGroupSetId(names.stream, names.group, '0', { ENTRIESREAD: 0 });
    const lastId = await client.xAdd(names.stream, '*', encodeBatch(last));
    await waitDrained(client, { stream: names.stream, group: names.group }, lastId, child, 120_000);
    const seconds = (performance.now() - started) / 1000;
    const { secondsTo99, tailCalls } = progress.stop();
    const figures = drainFigures(child, atReady, simulatorCpu, seconds);
    const items = o.batches * o.itemsPerBatch;
    return {
      variant,
      round,
      seconds,
      itemsPerSecond: items / seconds,
      ...figures,
      ...upstreamDelta(before, upstreamTally(simulator)),
      deadLetters: await client.xLen(names.dead),
      secondsTo99,
      tailCalls,
    };
  } finally {
    await child.stop();
    // Every run starts from an empty Redis: no earlier stream, markers or dead letters.
    await client.flushAll();
  }
}

/**
 * The consumer's figures for one drain. CPU counts from `go` to the end of the drain, and start-up CPU is
 * reported apart: a 20,000-item run made our worker's module loading (~0.3 s) a fifth of its total, a cost
 * paid once per process, not per item (#12).
 */
function drainFigures(
  child: Child,
  atReady: ProcessFigures,
  simulatorCpu: NodeJS.CpuUsage,
  seconds: number,
): Pick<WorkerRun, 'peakRssBytes' | 'rssBytes' | 'cpuSeconds' | 'startupCpuSeconds' | 'simulatorCores'> {
  const atEnd = processFigures(child.process.pid ?? -1);
  const parent = process.cpuUsage(simulatorCpu);
  return {
    peakRssBytes: atEnd.peakRssBytes,
    rssBytes: atEnd.rssBytes,
    cpuSeconds: atEnd.cpuSeconds - atReady.cpuSeconds,
    startupCpuSeconds: atReady.cpuSeconds,
    simulatorCores: (parent.user + parent.system) / 1e6 / seconds,
  };
}

/** The simulator's ledger and every apply request it answered, whatever the status. */
function upstreamTally(simulator: SimulatorHandle): { ledger: LedgerSummary; calls: number } {
  return { ledger: simulator.ledger.summary(), calls: answered(simulator) };
}

function upstreamDelta(before: ReturnType<typeof upstreamTally>, after: ReturnType<typeof upstreamTally>) {
  return {
    effects: after.ledger.effects - before.ledger.effects,
    applied: after.ledger.applied - before.ledger.applied,
    // Every call the upstream answered: the ledger's own count leaves out the failures injected before
    // the effect (#12: it read 1.06 calls per item at 20 % failures, where 1.25 is the least possible).
    requests: after.calls - before.calls,
    appliedTwice: after.ledger.duplicates - before.ledger.duplicates,
  };
}

async function bullmqOnce(
  variant: WorkerVariant,
  round: number,
  o: Omit<WorkerBenchOptions, 'log'>,
  deps: { client: RedisClient; redisUrl: string; simulator: SimulatorHandle },
): Promise<WorkerRun> {
  const { client, simulator } = deps;
  const name = `bench-${variant}-${round}`;
  const batches = [
    ...syntheticBatches({
      batches: o.batches,
      warehouses: 5,
      minItems: o.itemsPerBatch,
      maxItems: o.itemsPerBatch,
      runId: `${name}-${Date.now()}`,
    }),
  ];
  const connection = new Redis(deps.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  // The -25 variant gives up no sooner than ours (#12): its backoff is bullmq-consumer.ts's `capped`, the
  // exponential one with full jitter and our retry defaults' base and ceiling.
  const asOurs = variant === 'bullmq-skip-done-25';
  await queue.addBulk(
    batches.map((batch) => ({
      name: 'batch',
      data: batch,
      opts: {
        attempts: asOurs ? OUR_RETRY_LIMITS.attempts : 5,
        backoff: asOurs ? { type: 'capped' } : { type: 'exponential', delay: 100, jitter: 1 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
  const child = await startChild(CHILD.bullmq, {
    REDIS_URL: deps.redisUrl,
    QUEUE: name,
    JOBS: String(o.batches),
    MODE: variant.startsWith('bullmq-skip-done') ? 'skip-done' : 'whole',
    CAPPED_BACKOFF_BASE_MS: String(OUR_RETRY_LIMITS.baseDelayMs),
    CAPPED_BACKOFF_MAX_MS: String(OUR_RETRY_LIMITS.maxDelayMs),
    UPSTREAM_URL: simulator.url,
    BATCHES: String(o.concurrency.batches),
    ITEMS_PER_BATCH: String(o.concurrency.itemsPerBatch),
  });
  try {
    const before = upstreamTally(simulator);
    const finished = new Promise<{ done: number; failed: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${variant}: not done within 300 s: ${child.stderr()}`)),
        300_000,
      );
      child.process.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as { done: number; failed: number });
      });
    });
    const atReady = processFigures(child.process.pid ?? -1);
    const simulatorCpu = process.cpuUsage();
    const started = performance.now();
    const progress = watchDrainProgress(simulator, o.batches * o.itemsPerBatch);
    child.process.send('go');
    const { failed } = await finished;
    const seconds = (performance.now() - started) / 1000;
    const { secondsTo99, tailCalls } = progress.stop();
    const figures = drainFigures(child, atReady, simulatorCpu, seconds);
    return {
      variant,
      round,
      seconds,
      itemsPerSecond: (o.batches * o.itemsPerBatch) / seconds,
      ...figures,
      ...upstreamDelta(before, upstreamTally(simulator)),
      deadLetters: failed,
      secondsTo99,
      tailCalls,
    };
  } finally {
    await child.stop();
    await queue.close();
    await connection.quit();
    await client.flushAll();
  }
}

/** Seconds from 99 % of the items applied to the end of the drain (all of it when 99 % never came). */
export const tailSeconds = (run: WorkerRun): number => run.seconds - (run.secondsTo99 ?? 0);

const summarize = (variant: WorkerVariant, runs: readonly WorkerRun[], items: number): WorkerSummary => {
  const mine = runs.filter((r) => r.variant === variant);
  return {
    variant,
    itemsPerSecond: median(mine.map((r) => r.itemsPerSecond)),
    peakRssBytes: median(mine.map((r) => r.peakRssBytes)),
    rssBytes: median(mine.map((r) => r.rssBytes)),
    cpuMsPer1000Items: median(mine.map((r) => (r.cpuSeconds * 1000 * 1000) / items)),
    startupCpuMs: median(mine.map((r) => r.startupCpuSeconds * 1000)),
    simulatorCores: median(mine.map((r) => r.simulatorCores)),
    callsPerAppliedItem: median(mine.map((r) => r.requests / Math.max(1, r.applied))),
    tailSeconds: median(mine.map(tailSeconds)),
    lostItems: mine.reduce((sum, r) => sum + (items - r.applied), 0),
    appliedTwice: mine.reduce((sum, r) => sum + r.appliedTwice, 0),
    deadLetters: mine.reduce((sum, r) => sum + r.deadLetters, 0),
  };
};

/** A redis-server, a client and a scratch directory for one benchmark, torn down after `run`. */
export async function withBenchRedis<T>(
  log: (line: string) => void,
  run: (deps: { client: RedisClient; redisUrl: string; dir: string }) => Promise<T>,
): Promise<T> {
  const redis = await startLocalRedis();
  const client = createRedisClient(redis.url, (error) => log(`redis error: ${error.message}`), {
    maxRetries: 3,
  });
  await client.connect();
  const dir = mkdtempSync(join(tmpdir(), 'inventorybot-bench-'));
  try {
    return await run({ client, redisUrl: redis.url, dir });
  } finally {
    await client.close().catch(() => client.destroy());
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runWorkerBench(options: WorkerBenchOptions): Promise<WorkerBenchResult> {
  const { log, ...o } = options;
  const runs: WorkerRun[] = [];
  if (o.workerBuild === 'compiled' && o.variants.includes('inventorybot')) {
    log('worker: compiling the worker to dist/bench');
    compileWorkerChild();
  }
  if (o.variants.includes('baseline')) {
    log(`worker: compiling the baseline worker in ${baselineRepo()}`);
    compileWorkerChild(baselineRepo());
  }
  await withBenchRedis(log, async ({ client, redisUrl, dir }) => {
    for (let round = 1; round <= o.rounds; round++) {
      // Alternate who goes first, so neither always runs on a warmer (or more fragmented) machine.
      const order: WorkerVariant[] = round % 2 === 1 ? [...o.variants] : [...o.variants].reverse();
      for (const variant of order) {
        const run = await runOnce(variant, round, o, { client, redisUrl, dir });
        const items = o.batches * o.itemsPerBatch;
        // Without failures every consumer must apply every item exactly once; with failures the losses
        // and dead letters are results to report, not errors.
        if (o.failureRate === 0 && (run.applied !== items || run.deadLetters !== 0)) {
          throw new Error(
            `${variant} round ${round}: ${run.applied} items applied, ${run.deadLetters} dead letters; expected ${items}, 0`,
          );
        }
        log(
          `worker ${o.failureRate * 100}% failures${o.latency.medianMs > 0 ? `, ${o.latency.medianMs} ms latency` : ''}, round ${round} ${variant}: ${Math.round(run.itemsPerSecond)} items/s, ` +
            `${(run.peakRssBytes / 2 ** 20).toFixed(1)} MiB peak RSS, ${run.cpuSeconds.toFixed(2)} s CPU (+${run.startupCpuSeconds.toFixed(2)} start), ` +
            `simulator ${run.simulatorCores.toFixed(2)} cores, ` +
            `${(run.requests / Math.max(1, run.applied)).toFixed(2)} calls/item, ${items - run.applied} lost, ` +
            `${run.deadLetters} dead letters`,
        );
        runs.push(run);
      }
    }
  });
  const items = o.batches * o.itemsPerBatch;
  return {
    options: o,
    runs,
    summaries: o.variants.map((variant) => summarize(variant, runs, items)),
  };
}
