// Per-test queue names, worker configs and the checks the worker integration tests share.
import { expectedItemKeys, syntheticBatches, type WorkloadOptions } from '../../src/cli/workload.ts';
import { enqueueBatches } from '../../src/cli/enqueue-batches.ts';
import type { BatchMessage } from '../../src/worker/message.ts';
import type { WorkerFileConfigInput } from '../../src/contracts/worker-config.ts';
import { readQueueStats } from '../../src/contracts/queue-stats.ts';
import { createRedisClient, type RedisClient } from '../../src/contracts/redis-connection.ts';
import type { Ledger } from '../../src/simulator/ledger.ts';
import { waitFor } from './wait-for.ts';

let counter = 0;

export interface QueueNames {
  stream: string;
  consumerGroup: string;
  deadLetterStream: string;
}

export function uniqueNames(label: string): QueueNames {
  const id = `${label}-${process.pid}-${++counter}`;
  return { stream: `test:${id}:batches`, consumerGroup: `group-${id}`, deadLetterStream: `test:${id}:dead` };
}

/** A worker's config file without its monitoring section (startWorkerProcess adds the port). */
export type TestWorkerConfig = Omit<WorkerFileConfigInput, 'monitoring'>;

/** Sections that override testConfig's; upstream takes everything but the URLs (timeoutMs, ...). */
export type TestConfigOverrides = Partial<Omit<WorkerFileConfigInput, 'upstream' | 'monitoring'>> & {
  upstream?: Partial<Omit<WorkerFileConfigInput['upstream'], 'primaryUrl' | 'secondaryUrl'>>;
};

/** Fast settings for tests: short backoff, 2 s reclaim, quick breaker recovery. */
export function testConfig(
  names: QueueNames,
  upstream: { primaryUrl: string; secondaryUrl?: string },
  overrides: TestConfigOverrides = {},
): TestWorkerConfig {
  return {
    queue: { ...names, maxDeliveries: 5, claimIdleSeconds: 2, readCount: 10, ...overrides.queue },
    upstream: { ...upstream, timeoutMs: 2000, rateLimitPerSecond: 10000, ...overrides.upstream },
    retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 100, jitter: 'full', ...overrides.retry },
    circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1000, ...overrides.circuitBreaker },
    concurrency: { batches: 4, itemsPerBatch: 8, ...overrides.concurrency },
  };
}

export async function connect(url: string): Promise<RedisClient> {
  const client = createRedisClient(url, () => undefined);
  await client.connect();
  return client;
}

export async function enqueueSynthetic(
  client: RedisClient,
  stream: string,
  options: Omit<WorkloadOptions, 'runId'> & { runId?: string; shards?: number },
): Promise<{ batches: BatchMessage[]; keys: string[] }> {
  const { shards, ...workload } = options;
  const batches = [...syntheticBatches({ runId: `run${++counter}`, ...workload })];
  await enqueueBatches(client, batches, { stream, shards: shards ?? 0 });
  return { batches, keys: expectedItemKeys(batches) };
}

/** Waits until every expected key is in the ledger(s) and nothing is pending in the group. */
export async function waitUntilDone(
  client: RedisClient,
  names: QueueNames,
  ledgers: readonly Ledger[],
  keys: readonly string[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      const applied = new Set(ledgers.flatMap((l) => [...l.applications().keys()]));
      const stats = await readQueueStats(client, names);
      return { missing: keys.filter((k) => !applied.has(k)).length, pending: stats.pending, lag: stats.lag };
    },
    (s) => s.missing === 0 && s.pending === 0 && s.lag === 0,
    { timeoutMs, intervalMs: 200, what: 'all items applied and nothing pending' },
  );
}

/** Effects per key summed over ledgers: exactly-once means every expected key maps to 1 and nothing else. */
export function applicationsByKey(ledgers: readonly Pick<Ledger, 'applications'>[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const ledger of ledgers) {
    for (const [key, n] of ledger.applications()) total.set(key, (total.get(key) ?? 0) + n);
  }
  return total;
}

export function exactlyOnceViolations(
  ledgers: readonly Pick<Ledger, 'applications'>[],
  keys: readonly string[],
) {
  const applied = applicationsByKey(ledgers);
  const expected = new Set(keys);
  return {
    missing: keys.filter((k) => !applied.has(k)),
    duplicated: [...applied].filter(([, n]) => n > 1).map(([k]) => k),
    unexpected: [...applied.keys()].filter((k) => !expected.has(k)),
  };
}
