// Latency spike (#12): our worker against a capacity-limited upstream whose capacity drops tenfold for
// 30 s, run side by side with the same worker at a fixed call limit (upstreamCallsMin = Max = the old
// fixed concurrency, batches × itemsPerBatch): the reference shows what the spike does to a client that
// does not adapt (its calls queue at the upstream and the upstream's p95 jumps ~10×), ours shows the
// adaptive limiter cutting in-flight calls and growing back. Closed loop: the stream is pre-filled with
// more work than a run can take, each run lasts pre + spike + post seconds, then the worker is stopped.
// The simulator measures each call's time at the upstream (waiting for capacity included); the worker's
// limit is read from its /metrics every SAMPLE_MS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/cli/local/free-port.ts';
import { enqueueBatches } from '../../src/cli/enqueue-batches.ts';
import { syntheticBatches } from '../../src/cli/workload.ts';
import { parseMetrics, sumOf } from '../../src/contracts/prom-text.ts';
import type { RedisClient } from '../../src/contracts/redis-connection.ts';
import type { WorkerFileConfigInput } from '../../src/contracts/worker-config.ts';
import { METRICS } from '../../src/contracts/worker-metric-names.ts';
import { startSimulator } from '../../src/simulator/server.ts';
import { formatNumber, formatRatio, markdownTable, median } from './stats.ts';
import { CHILD, startChild, withBenchRedis, WORKER_NODE_ARGS } from './worker-throughput.ts';

export type SpikeVariant = 'adaptive' | 'fixed';

export interface SpikeBenchOptions {
  /** Apply requests the upstream serves at once before and after the spike. */
  capacity: number;
  /** The spike divides the capacity by this. */
  factor: number;
  preSeconds: number;
  spikeSeconds: number;
  postSeconds: number;
  /** Service time at the upstream (the simulator's latency model), ms. */
  latency: { medianMs: number; p95Ms: number };
  concurrency: { batches: number; itemsPerBatch: number };
  rounds: number;
}

export const SPIKE_BENCH_DEFAULTS: SpikeBenchOptions = {
  capacity: 20,
  factor: 10,
  preSeconds: 20,
  spikeSeconds: 30,
  postSeconds: 40,
  latency: { medianMs: 20, p95Ms: 40 },
  concurrency: { batches: 4, itemsPerBatch: 8 },
  rounds: 2,
};

const SAMPLE_MS = 250;
/** The goals of #12: the limiter cuts within 5 s and recovers within 30 s; p95 during the spike ≤ 2×. */
export const SPIKE_GOALS = { cutWithinSeconds: 5, recoverWithinSeconds: 30, p95Ratio: 2 } as const;

export interface SpikeRun {
  variant: SpikeVariant;
  round: number;
  /** Median limit over the last half of the pre-spike phase. */
  preLimit: number;
  /** Lowest limit during the spike. */
  spikeMinLimit: number;
  /** Seconds from the spike's start until the limit is at most half preLimit (NaN: never). */
  cutSeconds: number;
  /** Seconds from the spike's end until the limit is back at ≥ 90 % of preLimit (NaN: never). */
  recoverSeconds: number;
  /** p95 of the time at the upstream (ms): pre-spike (second half), during the spike after the cut allowance. */
  preP95Ms: number;
  spikeP95Ms: number;
  /** Applied items per second over each phase. */
  preItemsPerSecond: number;
  spikeItemsPerSecond: number;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function spikeOnce(
  variant: SpikeVariant,
  round: number,
  o: SpikeBenchOptions,
  deps: { client: RedisClient; redisUrl: string; dir: string },
): Promise<SpikeRun> {
  const calls: Array<{ at: number; ms: number }> = [];
  const limits: Array<{ at: number; limit: number }> = [];
  let t0 = 0;
  const simulator = await startSimulator({
    latency: { ...o.latency, maxMs: o.latency.p95Ms * 5 },
    faults: { failureRate: 0 },
    capacity: o.capacity,
    seed: round,
    onApplyDuration: (ms) => {
      if (t0 > 0) calls.push({ at: (performance.now() - t0) / 1000, ms });
    },
  });
  const id = `spike-${variant}-${round}`;
  const names = { stream: `bench:${id}:batches`, group: `bench-${id}`, dead: `bench:${id}:dead` };
  const totalSeconds = o.preSeconds + o.spikeSeconds + o.postSeconds;
  // More than the run can take at full capacity (the upstream's ceiling is capacity / median latency).
  const ceiling = (o.capacity / o.latency.medianMs) * 1000;
  const batches = Math.ceil((ceiling * totalSeconds * 1.5) / 10);
  await enqueueBatches(
    deps.client,
    [
      ...syntheticBatches({
        batches,
        warehouses: 5,
        minItems: 10,
        maxItems: 10,
        runId: `${id}-${Date.now()}`,
      }),
    ],
    { stream: names.stream },
  );
  await deps.client.xGroupCreate(names.stream, names.group, '$', { MKSTREAM: true });
  const fixed = o.concurrency.batches * o.concurrency.itemsPerBatch;
  const metricsPort = await freePort();
  const config: WorkerFileConfigInput = {
    queue: { stream: names.stream, consumerGroup: names.group, deadLetterStream: names.dead },
    upstream: { primaryUrl: simulator.url, rateLimitPerSecond: 100_000 },
    concurrency: {
      ...o.concurrency,
      ...(variant === 'fixed' ? { upstreamCallsMin: fixed, upstreamCallsMax: fixed } : {}),
    },
    monitoring: { metricsPort, logLevel: 'warn' },
  };
  const configPath = join(deps.dir, `${id}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const child = await startChild(
    CHILD.inventorybot,
    { REDIS_URL: deps.redisUrl, INVENTORYBOT_CONFIG: configPath, POD_NAME: `${id}-consumer` },
    WORKER_NODE_ARGS,
  );
  try {
    await deps.client.xGroupSetId(names.stream, names.group, '0', { ENTRIESREAD: 0 });
    t0 = performance.now();
    const spikeAt = o.preSeconds;
    const endAt = o.preSeconds + o.spikeSeconds;
    let phase: 'pre' | 'spike' | 'post' = 'pre';
    // Sampling paces the run; the phases switch on the clock, which is what the scenario is about.
    for (;;) {
      const at = (performance.now() - t0) / 1000;
      if (at >= totalSeconds) break;
      if (phase === 'pre' && at >= spikeAt) {
        simulator.setCapacity(Math.max(1, Math.round(o.capacity / o.factor)));
        phase = 'spike';
      } else if (phase === 'spike' && at >= endAt) {
        simulator.setCapacity(o.capacity);
        phase = 'post';
      }
      if (child.process.exitCode !== null) throw new Error(`worker exited: ${child.stderr()}`);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      limits.push({ at, limit: sumOf(parseMetrics(text), METRICS.upstreamConcurrencyLimit) });
      await sleep(SAMPLE_MS);
    }
  } finally {
    t0 = 0;
    await child.stop();
    await simulator.close();
    await deps.client.flushAll();
  }
  const between = <T extends { at: number }>(xs: T[], from: number, to: number) =>
    xs.filter((x) => x.at >= from && x.at < to);
  const spikeAt = o.preSeconds;
  const endAt = o.preSeconds + o.spikeSeconds;
  const preWindow = [o.preSeconds / 2, spikeAt] as const;
  const preLimit = median(between(limits, ...preWindow).map((x) => x.limit));
  const during = between(limits, spikeAt, endAt);
  const cut = during.find((x) => x.limit <= preLimit / 2);
  const recovered = between(limits, endAt, Number.POSITIVE_INFINITY).find((x) => x.limit >= 0.9 * preLimit);
  const preCalls = between(calls, ...preWindow);
  const spikeCalls = between(calls, spikeAt + SPIKE_GOALS.cutWithinSeconds, endAt);
  return {
    variant,
    round,
    preLimit,
    spikeMinLimit: Math.min(...during.map((x) => x.limit)),
    cutSeconds: cut ? cut.at - spikeAt : Number.NaN,
    recoverSeconds: recovered ? recovered.at - endAt : Number.NaN,
    preP95Ms: quantile(
      preCalls.map((x) => x.ms),
      0.95,
    ),
    spikeP95Ms: quantile(
      spikeCalls.map((x) => x.ms),
      0.95,
    ),
    preItemsPerSecond: preCalls.length / (preWindow[1] - preWindow[0]),
    spikeItemsPerSecond: spikeCalls.length / (endAt - spikeAt - SPIKE_GOALS.cutWithinSeconds),
  };
}

export async function runSpikeBench(o: SpikeBenchOptions, log: (line: string) => void): Promise<SpikeRun[]> {
  const runs: SpikeRun[] = [];
  await withBenchRedis(log, async (deps) => {
    for (let round = 1; round <= o.rounds; round++) {
      // Alternating order, so neither variant always runs on a warmer machine.
      const order: SpikeVariant[] = round % 2 === 1 ? ['adaptive', 'fixed'] : ['fixed', 'adaptive'];
      for (const variant of order) {
        const run = await spikeOnce(variant, round, o, deps);
        log(
          `latency spike, round ${round} ${variant}: limit ${run.preLimit} → ${run.spikeMinLimit}, cut ${run.cutSeconds.toFixed(1)} s, ` +
            `back ${run.recoverSeconds.toFixed(1)} s, upstream p95 ${run.preP95Ms.toFixed(0)} → ${run.spikeP95Ms.toFixed(0)} ms`,
        );
        runs.push(run);
      }
    }
  });
  return runs;
}

const seconds = (x: number) => (Number.isNaN(x) ? 'never' : `${formatNumber(x, 2)} s`);

export function spikeSection(o: SpikeBenchOptions, runs: SpikeRun[]): string {
  const summary = (variant: SpikeVariant) => {
    const rs = runs.filter((r) => r.variant === variant);
    const m = (f: (r: SpikeRun) => number) => median(rs.map(f).filter((x) => !Number.isNaN(x)));
    const never = (f: (r: SpikeRun) => number) => rs.some((r) => Number.isNaN(f(r)));
    return {
      variant,
      preLimit: m((r) => r.preLimit),
      spikeMinLimit: m((r) => r.spikeMinLimit),
      cut: never((r) => r.cutSeconds) ? Number.NaN : m((r) => r.cutSeconds),
      recover: never((r) => r.recoverSeconds) ? Number.NaN : m((r) => r.recoverSeconds),
      p95Ratio: m((r) => r.spikeP95Ms / r.preP95Ms),
      preP95: m((r) => r.preP95Ms),
      spikeP95: m((r) => r.spikeP95Ms),
      preRate: m((r) => r.preItemsPerSecond),
      spikeRate: m((r) => r.spikeItemsPerSecond),
    };
  };
  const rows = (['adaptive', 'fixed'] as const)
    .map(summary)
    .map((s) => [
      s.variant === 'adaptive'
        ? 'InventoryBot, adaptive limit'
        : `reference: fixed limit ${o.concurrency.batches * o.concurrency.itemsPerBatch}`,
      `${formatNumber(s.preLimit)} → ${formatNumber(s.spikeMinLimit)}`,
      s.variant === 'adaptive' ? seconds(s.cut) : '–',
      s.variant === 'adaptive' ? seconds(s.recover) : '–',
      `${formatNumber(s.preP95)} → ${formatNumber(s.spikeP95)}`,
      formatRatio(s.p95Ratio),
      `${formatNumber(s.preRate)} → ${formatNumber(s.spikeRate)}`,
    ]);
  const perRound = runs.map((r) => [
    String(r.round),
    r.variant,
    `${formatNumber(r.preLimit)} → ${formatNumber(r.spikeMinLimit)}`,
    seconds(r.cutSeconds),
    seconds(r.recoverSeconds),
    `${formatNumber(r.preP95Ms)} → ${formatNumber(r.spikeP95Ms)}`,
  ]);
  return [
    '### latency spike (adaptive call limit)',
    '',
    `Upstream capacity ${o.capacity} concurrent requests (service time median ${o.latency.medianMs} ms, p95 ` +
      `${o.latency.p95Ms} ms), divided by ${o.factor} for ${o.spikeSeconds} s after ${o.preSeconds} s, then ` +
      `${o.postSeconds} s more; one worker (concurrency ${o.concurrency.batches} × ${o.concurrency.itemsPerBatch}), ` +
      `${o.rounds} rounds per variant, alternating, medians. Time at the upstream includes waiting for capacity; ` +
      `pre-spike figures over its second half, spike figures from ${SPIKE_GOALS.cutWithinSeconds} s after it starts. ` +
      `Goals (#12): cut within ${SPIKE_GOALS.cutWithinSeconds} s, spike p95 ≤ ${SPIKE_GOALS.p95Ratio}× pre-spike, ` +
      `limit back within ${SPIKE_GOALS.recoverWithinSeconds} s.`,
    '',
    markdownTable(
      [
        'worker',
        'call limit pre → min',
        'cut to ½',
        'back to 90 %',
        'upstream p95 ms pre → spike',
        'p95 ratio',
        'items/s pre → spike',
      ],
      rows,
    ),
    '',
    markdownTable(['round', 'variant', 'limit pre → min', 'cut', 'recover', 'p95 ms pre → spike'], perRound),
  ].join('\n');
}
