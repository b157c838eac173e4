// The shared setup of the worker suites: one real redis-server per test file, and the simulators and
// worker processes a test starts, stopped after each test (processes) and after the file (Redis).
// startWorkerRig() is a test's own start-up on top of it: upstream(s), queue names, synthetic batches,
// the worker config and worker processes on this Redis, each closed or killed after the test (#16).
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { enqueueBatches } from '../../src/cli/enqueue-batches.ts';
import { readQueueStats } from '../../src/contracts/queue-stats.ts';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/simulator/server.ts';
import type { RedisClient } from '../../src/contracts/redis-connection.ts';
import type { BatchMessage } from '../../src/worker/message.ts';
import {
  connect,
  enqueueSynthetic,
  testConfig,
  uniqueNames,
  type QueueNames,
  type TestConfigOverrides,
  type TestWorkerConfig,
} from './queue-fixture.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import {
  startScriptedUpstream,
  type ApplyCall,
  type Script,
  type ScriptedUpstream,
} from './scripted-upstream.ts';
import { waitFor } from './wait-for.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from './worker-process.ts';

export interface QueueHarness {
  readonly redis: RedisServer;
  readonly client: RedisClient;
  /** Simulators (and other upstreams) to close after the test. */
  readonly simulators: { close(): Promise<void> }[];
  /** Worker processes to kill after the test. */
  readonly workers: WorkerProcess[];
  /** A test's upstream(s), queue and workers on this file's Redis; all of it stopped after the test. */
  startWorkerRig(options: WorkerRigOptions): Promise<WorkerRig>;
}

type SyntheticWorkload = Parameters<typeof enqueueSynthetic>[2];

export type WorkerRigOptions = {
  /** Names the queue (uniqueNames(label)). */
  label: string;
  /** A second simulator with these options, the workers' secondary upstream. */
  secondary?: SimulatorOptions;
  /** testConfig's overrides for every worker of the rig. */
  config?: TestConfigOverrides;
  /** Synthetic batches enqueued before any worker starts (to the shard streams with config.queue.shards). */
  workload?: Omit<SyntheticWorkload, 'shards'>;
} & (
  | {
      /** The primary upstream: the real simulator with these options. */
      simulator: SimulatorOptions;
      script?: never;
    }
  | {
      /** The primary upstream: a scripted one (test/support/scripted-upstream.ts). */
      script: (call: ApplyCall) => Script;
      simulator?: never;
    }
);

export interface WorkerRig {
  readonly names: QueueNames;
  /** The workers' config (startWorker takes another). */
  readonly config: TestWorkerConfig;
  /** The primary simulator (option `simulator`). */
  readonly sim: SimulatorHandle;
  /** The secondary simulator (option `secondary`). */
  readonly secondary: SimulatorHandle;
  /** The scripted primary upstream (option `script`). */
  readonly upstream: ScriptedUpstream;
  /** What `workload` enqueued (empty without one). */
  readonly batches: BatchMessage[];
  readonly keys: string[];
  /** Synthetic batches onto the rig's queue. */
  enqueue(workload: Omit<SyntheticWorkload, 'shards'>): Promise<{ batches: BatchMessage[]; keys: string[] }>;
  /** These batches onto the rig's queue, in order. */
  enqueueBatches(batches: BatchMessage[]): Promise<void>;
  /** Waits until nothing is pending or undelivered on the rig's queue. */
  settled(timeoutMs?: number): Promise<void>;
  /** A worker process on the rig's Redis and config, killed after the test. */
  startWorker(
    name: string,
    options?: { config?: TestWorkerConfig; env?: Record<string, string>; waitUntil?: 'ready' | 'serving' },
  ): Promise<WorkerProcess>;
}

export function useQueueHarness(): QueueHarness {
  let redis: RedisServer | undefined;
  let client: RedisClient | undefined;
  const simulators: { close(): Promise<void> }[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connect(redis.url);
  });
  afterEach(async () => {
    await killAll(workers.splice(0));
    await Promise.all(simulators.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T =>
    defined(value, `${what} is only there inside tests (started in beforeAll)`);
  const harness: QueueHarness = {
    get redis() {
      return started(redis, 'redis-server');
    },
    get client() {
      return started(client, 'the Redis client');
    },
    simulators,
    workers,
    startWorkerRig: (options) => startWorkerRig(harness, options),
  };
  return harness;
}

/** `value`, or an Error saying `message` when a getter is read before its part was started. */
function defined<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}

async function startWorkerRig(h: QueueHarness, options: WorkerRigOptions): Promise<WorkerRig> {
  const started = async <T extends { close(): Promise<void> }>(upstream: Promise<T>) => {
    const u = await upstream;
    h.simulators.push(u);
    return u;
  };
  const upstream = options.script ? await started(startScriptedUpstream(options.script)) : undefined;
  const sim = options.simulator ? await started(startSimulator(options.simulator)) : undefined;
  const secondary = options.secondary ? await started(startSimulator(options.secondary)) : undefined;
  const primaryUrl = (upstream ?? (sim as SimulatorHandle)).url;

  const names = uniqueNames(options.label);
  const config = testConfig(names, { primaryUrl, secondaryUrl: secondary?.url }, options.config);
  const shards = config.queue?.shards ?? 0;
  const enqueue = (workload: Omit<SyntheticWorkload, 'shards'>) =>
    enqueueSynthetic(h.client, names.stream, { ...workload, shards });
  const { batches, keys } = options.workload ? await enqueue(options.workload) : { batches: [], keys: [] };

  const present = <T>(value: T | undefined, option: string): T =>
    defined(value, `this rig has no ${option} upstream: start it with \`${option}\``);
  return {
    names,
    config,
    get sim() {
      return present(sim, 'simulator');
    },
    get secondary() {
      return present(secondary, 'secondary');
    },
    get upstream() {
      return present(upstream, 'script');
    },
    batches,
    keys,
    enqueue,
    enqueueBatches: async (list) => {
      await enqueueBatches(h.client, list, { stream: names.stream, shards });
    },
    settled: async (timeoutMs = 20_000) => {
      await waitFor(
        () => readQueueStats(h.client, { ...names, shards }),
        (s) => s.pending === 0 && s.lag === 0,
        { timeoutMs, what: 'every batch acknowledged' },
      );
    },
    startWorker: async (name, extra = {}) => {
      const worker = await startWorkerProcess({
        name,
        redisUrl: h.redis.url,
        config: extra.config ?? config,
        env: extra.env,
        waitUntil: extra.waitUntil,
      });
      h.workers.push(worker);
      return worker;
    },
  };
}
