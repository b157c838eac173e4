// The worker core reports on its typed events (#16), with real Redis and a real HTTP upstream: a batch
// through the processor emits `completed` once with its item counts, the failed calls, retries and
// dead letters on the way; and the core runs with no subscriber at all (metrics and logs are optional).
import { jest } from '@jest/globals';
import { BatchProcessor, type Report } from '../../../src/worker/batch-processor.ts';
import { MarkerStore } from '../../../src/worker/idempotency.ts';
import { encodeBatch, type BatchMessage } from '../../../src/worker/message.ts';
import { StreamQueue, type StreamEntry } from '../../../src/worker/stream-queue.ts';
import { UpstreamEndpoint } from '../../../src/worker/upstream-endpoint.ts';
import { UpstreamRouter } from '../../../src/worker/upstream-router.ts';
import { WorkerEvents, type ItemCounts } from '../../../src/worker/worker-events.ts';
import type { RedisClient } from '../../../src/contracts/redis-connection.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { connect, uniqueNames } from '../../support/queue-fixture.ts';
import { ok, startScriptedUpstream, type ScriptedUpstream } from '../../support/scripted-upstream.ts';

jest.setTimeout(30_000);

const h = useQueueHarness();
let upstream: ScriptedUpstream;
let reader: RedisClient;
const closing: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  upstream = await startScriptedUpstream((call) => {
    if (call.sku === 'FLAKY' && call.n === 1) return { status: 500, body: 'oops' };
    if (call.sku === 'BAD')
      return { status: 422, body: '{"error_code":"VALIDATION_ERROR","message":"negative stock"}' };
    return ok(call);
  });
  reader = await connect(h.redis.url);
});
afterEach(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
});
afterAll(async () => {
  await reader.close();
  await upstream.close();
});

/** The worker core as run.ts builds it, minus the metrics and the logger: only `events`. */
async function core(label: string, events: WorkerEvents) {
  const names = uniqueNames(label);
  const endpoint = new UpstreamEndpoint(
    {
      name: 'primary',
      url: upstream.url,
      timeoutMs: 2000,
      rateLimitPerSecond: 10_000,
      consecutiveFailures: 50,
      halfOpenAfterMs: 1000,
      calls: { min: 1, max: 8, initial: 8 },
    },
    {
      onCall: (name, result, seconds) => events.emit('upstream-call', name, result, seconds),
      onBreaker: (name, state, previous) => events.emit('breaker-changed', name, state, previous),
      onLimit: (name, limit) => events.emit('limit-changed', name, limit),
    },
  );
  const router = new UpstreamRouter([endpoint], events);
  closing.push(() => router.close());
  const queue = new StreamQueue(h.client, reader, { ...names, consumer: 'c1', markerTtlSeconds: 600 });
  await queue.ensureGroup();
  const processor = new BatchProcessor(
    {
      maxDeliveries: 5,
      itemsPerBatch: 4,
      consumer: 'c1',
      attempts: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10, jitter: 'none' },
    },
    { queue, markers: new MarkerStore(h.client, names.stream, 600), router, events },
  );
  const deliver = async (batch: BatchMessage): Promise<{ report: Report; entry: StreamEntry }> => {
    await h.client.xAdd(names.stream, '*', encodeBatch(batch));
    const [entry] = await queue.read(1, 1000);
    if (!entry) throw new Error('nothing read');
    return { report: await processor.process(entry, new AbortController().signal), entry };
  };
  return { names, deliver };
}

const batch = (batchId: string, skus: string[]): BatchMessage => ({
  batchId,
  warehouse: 'WH-01',
  items: skus.map((sku) => ({ sku, delta: 1 })),
  enqueuedAt: new Date().toISOString(),
});

test('a batch through the processor emits completed once with its counts, and what happened on the way', async () => {
  const events = new WorkerEvents();
  const seen: unknown[][] = [];
  const ended: { event: string; report: Report; id: string; seconds: number; items: ItemCounts }[] = [];
  for (const event of ['completed', 'batch-failed'] as const) {
    events.on(event, (report, entry, seconds, items) =>
      ended.push({ event, report, id: entry.id, seconds, items: { ...items } }),
    );
  }
  events
    .on('failed', (...args) => seen.push(['failed', ...args]))
    .on('retried', (...args) => seen.push(['retried', ...args]))
    .on('dead-lettered', (code, _reason, _id, key) => seen.push(['dead-lettered', code, key]));
  let running = 0;
  let most = 0;
  events.on('item-running', (on) => {
    running += on ? 1 : -1;
    most = Math.max(most, running);
  });
  const { deliver } = await core('events-completed', events);

  const first = await deliver(batch('b-events-1', ['OK-1', 'FLAKY', 'BAD', 'OK-2']));
  expect(first.report.outcome).toBe('partial');
  expect(ended).toEqual([
    {
      event: 'completed',
      report: first.report,
      id: first.entry.id,
      seconds: expect.any(Number),
      items: { applied: 3, dead_lettered: 1 },
    },
  ]);
  expect(ended[0]?.seconds).toBeGreaterThan(0);
  expect(running).toBe(0);
  expect(most).toBeGreaterThan(0);
  // FLAKY: a transient failure on its first call, then a retry after the base delay (no jitter);
  // BAD: a verdict on its first call, dead-lettered with its item key.
  expect(seen).toEqual(
    expect.arrayContaining([
      ['failed', 'transient', 'UPSTREAM_5XX', 'primary', 1],
      ['retried', 2, 'UPSTREAM_5XX', 1],
      ['failed', 'permanent', 'VALIDATION_ERROR', 'primary', 1],
      ['dead-lettered', 'VALIDATION_ERROR', 'b-events-1:2'],
    ]),
  );
  expect(seen).toHaveLength(4);

  // The same batch again: the applied items are skipped by their markers; BAD gets the same verdict.
  ended.length = 0;
  const second = await deliver(batch('b-events-1', ['OK-1', 'FLAKY', 'BAD', 'OK-2']));
  expect(ended).toEqual([
    {
      event: 'completed',
      report: second.report,
      id: second.entry.id,
      seconds: expect.any(Number),
      items: { deduplicated: 3, dead_lettered: 1 },
    },
  ]);
});

test('the core runs with no subscriber: the batch is applied and acknowledged', async () => {
  const events = new WorkerEvents();
  const { names, deliver } = await core('events-none', events);
  const calls = upstream.calls.length;
  const { report } = await deliver(batch('b-events-2', ['OK-3', 'FLAKY-2', 'OK-4']));
  expect(report).toMatchObject({ outcome: 'success', retries: 0 });
  expect(upstream.calls.length - calls).toBe(3);
  const stats = await readQueueStats(h.client, names);
  expect(stats.pending).toBe(0);
  expect(stats.deadLetters).toBe(0);
});
