// Happy path, transient upstream failures, permanent item errors and malformed messages, against a real
// redis-server, the real simulator over HTTP and real worker processes.
import { jest } from '@jest/globals';
import { sumOf, type Sample } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { listDeadLetters } from '../../../src/worker/dead-letter-store.ts';
import { encodeBatch } from '../../../src/worker/message.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

const total = (samples: Sample[][], name: string, labels: Record<string, string> = {}) =>
  samples.reduce((sum, s) => sum + sumOf(s, name, labels), 0);

test('happy path: every item applied exactly once, metrics agree with the ledger', async () => {
  const rig = await h.startWorkerRig({
    label: 'happy',
    simulator: { faults: { failureRate: 0 }, latency: { medianMs: 2, p95Ms: 5 } },
    workload: { batches: 40, warehouses: 3, minItems: 1, maxItems: 12 },
  });
  const { sim, names, batches, keys } = rig;
  await rig.startWorker('happy-1');

  await waitUntilDone(h.client, names, [sim.ledger], keys, 30_000);

  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(sim.ledger.summary()).toMatchObject({ applied: keys.length, duplicates: 0, replays: 0 });
  const m = await (h.workers[0] as WorkerProcess).metrics();
  expect(sumOf(m, METRICS.batchesTotal, { outcome: 'success' })).toBe(batches.length);
  expect(sumOf(m, METRICS.batchesTotal)).toBe(batches.length);
  expect(sumOf(m, METRICS.itemsTotal, { outcome: 'applied' })).toBe(keys.length);
  expect(sumOf(m, METRICS.itemsTotal)).toBe(keys.length);
  expect(sumOf(m, `${METRICS.batchDurationSeconds}_count`)).toBe(batches.length);
  expect(sumOf(m, METRICS.upstreamRequestsTotal, { result: 'ok' })).toBe(keys.length);
  expect(sumOf(m, METRICS.retriesTotal)).toBe(0);
  expect(sumOf(m, METRICS.deadLettersTotal)).toBe(0);
  expect(sumOf(m, 'inventorybot_process_cpu_seconds_total')).toBeGreaterThan(0);
  const logs = (h.workers[0] as WorkerProcess).logs;
  expect(logs.find((l) => l.event === 'bot_start')).toBeDefined();
  const complete = logs.filter((l) => l.event === 'batch_complete');
  expect(complete).toHaveLength(batches.length);
  expect(complete[0]).toEqual(
    expect.objectContaining({
      timestamp: expect.any(String),
      batch_id: expect.any(String),
      warehouse: expect.any(String),
      items: expect.any(Number),
      duration: expect.any(Number),
      outcome: 'success',
      attempts: 1,
    }),
  );
});

test('20% transient upstream failures: every item applied exactly once, each failed call retried and counted', async () => {
  const rig = await h.startWorkerRig({
    label: 'transient',
    simulator: { faults: { failureRate: 0.2, lostResponseShare: 0.25 }, latency: { medianMs: 2, p95Ms: 5 } },
    workload: { batches: 50, warehouses: 4, minItems: 2, maxItems: 10 },
    config: { circuitBreaker: { consecutiveFailures: 50, halfOpenAfterMs: 1000 } },
  });
  const { sim, names, keys } = rig;
  await Promise.all(['transient-1', 'transient-2'].map((name) => rig.startWorker(name)));

  await waitUntilDone(h.client, names, [sim.ledger], keys, 45_000);

  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  const summary = sim.ledger.summary();
  expect(summary.duplicates).toBe(0);
  // Lost responses (failure after the effect) came back as retries and were deduplicated, not re-applied.
  expect(summary.replays).toBeGreaterThan(0);
  const samples = await Promise.all(h.workers.map((w) => w.metrics()));
  const failedCalls =
    total(samples, METRICS.upstreamRequestsTotal) -
    total(samples, METRICS.upstreamRequestsTotal, { result: 'ok' });
  const refused = Object.entries(sim.responseCounts())
    .filter(([status]) => status !== '200')
    .reduce((sum, [, n]) => sum + n, 0);
  expect(failedCalls).toBe(refused);
  expect(failedCalls).toBeGreaterThan(0);
  // With no item out of attempts, every failed call was followed by exactly one retry.
  expect(total(samples, METRICS.itemsTotal, { outcome: 'failed' })).toBe(0);
  expect(total(samples, METRICS.retriesTotal)).toBe(failedCalls);
  expect(
    total(samples, METRICS.itemsTotal, { outcome: 'applied' }) +
      total(samples, METRICS.itemsTotal, { outcome: 'deduplicated' }),
  ).toBe(keys.length);
});

test('permanent item errors and malformed messages go to the dead-letter stream with error codes; the rest is done', async () => {
  const rig = await h.startWorkerRig({
    label: 'dlq',
    simulator: { faults: { failureRate: 0 }, latency: { medianMs: 1, p95Ms: 3 } },
    workload: { batches: 20, warehouses: 2, minItems: 1, maxItems: 6 },
  });
  const { sim, names, keys: goodKeys } = rig;
  const mixed = {
    batchId: 'mixed-1',
    warehouse: 'WH-01',
    items: [
      { sku: 'SKU-00001', delta: 3 },
      { sku: 'NOT-A-SKU', delta: 1 },
      { sku: 'SKU-00002', target: 7 },
      { sku: 'ALSO-UNKNOWN', delta: -2, key: 'my-own-key' },
    ],
    enqueuedAt: new Date().toISOString(),
  };
  await h.client.xAdd(names.stream, '*', encodeBatch(mixed));
  await h.client.xAdd(names.stream, '*', { batch: '{not json' });
  await h.client.xAdd(names.stream, '*', {
    batch: JSON.stringify({ batchId: 'no-items', warehouse: 'WH-01', items: [] }),
  });
  await h.client.xAdd(names.stream, '*', { something: 'else' });
  const expected = [...goodKeys, 'mixed-1:0', 'mixed-1:2'];
  await rig.startWorker('dlq-1');

  await waitUntilDone(h.client, names, [sim.ledger], expected, 30_000);

  expect(exactlyOnceViolations([sim.ledger], expected)).toEqual({
    missing: [],
    duplicated: [],
    unexpected: [],
  });
  const dead = await listDeadLetters(h.client, names.deadLetterStream);
  const byCode = (code: string) => dead.filter((d) => d.errorCode === code);
  expect(
    byCode('UNKNOWN_SKU')
      .map((d) => d.itemKey)
      .sort(),
  ).toEqual(['mixed-1:1', 'my-own-key']);
  expect(
    byCode('UNKNOWN_SKU').every(
      (d) => d.kind === 'item' && d.batchId === 'mixed-1' && d.warehouse === 'WH-01',
    ),
  ).toBe(true);
  // The item entry carries a one-item batch with the original idempotency key, ready for replay.
  const replayable = JSON.parse(
    (byCode('UNKNOWN_SKU').find((d) => d.itemKey === 'mixed-1:1') as { batch: string }).batch,
  );
  expect(replayable.items).toEqual([{ sku: 'NOT-A-SKU', delta: 1, key: 'mixed-1:1' }]);
  expect(byCode('INVALID_MESSAGE')).toHaveLength(3);
  expect(dead).toHaveLength(5);

  const m = await (h.workers[0] as WorkerProcess).metrics();
  expect(sumOf(m, METRICS.deadLettersTotal, { error_code: 'UNKNOWN_SKU' })).toBe(2);
  expect(sumOf(m, METRICS.deadLettersTotal, { error_code: 'INVALID_MESSAGE' })).toBe(3);
  expect(sumOf(m, METRICS.batchesTotal, { outcome: 'partial' })).toBe(1);
  expect(sumOf(m, METRICS.batchesTotal, { outcome: 'invalid' })).toBe(3);
  expect(sumOf(m, METRICS.errorsTotal, { error_code: 'UNKNOWN_SKU' })).toBe(2);
  expect(sumOf(m, METRICS.consecutiveFailedBatches)).toBe(0);
  const errors = (h.workers[0] as WorkerProcess).logs.filter((l) => l.event === 'batch_error');
  expect(errors.map((l) => l.error_code)).toEqual(['INVALID_MESSAGE', 'INVALID_MESSAGE', 'INVALID_MESSAGE']);
  expect((h.workers[0] as WorkerProcess).child.exitCode).toBeNull();
});
