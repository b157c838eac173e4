// Issue 11, cases 2 and 4: any schema-valid batch id or item key works (emoji, CR/LF, NUL, spaces, `%`),
// without ever counting toward a breaker; a batch id reused for other content is dead-lettered as
// BATCH_ID_REUSED (an item key as IDEMPOTENCY_KEY_REUSED), never acknowledged as already applied, while
// the same batch sent again stays a no-op.
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { skuFor } from '../../../src/simulator/catalogue.ts';
import { listDeadLetters } from '../../../src/worker/dead-letter-store.ts';
import { encodeIdempotencyKey } from '../../../src/worker/idempotency-key.ts';
import { itemKey, type BatchMessage } from '../../../src/worker/message.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

const batch = (batchId: string, items: BatchMessage['items'], warehouse = 'WH-01'): BatchMessage => ({
  batchId,
  warehouse,
  items,
  enqueuedAt: new Date().toISOString(),
});

test('odd batch ids and item keys are applied once each and never open the breaker', async () => {
  const rig = await h.startWorkerRig({
    label: 'odd-keys',
    simulator: { faults: { failureRate: 0 } },
    config: { circuitBreaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } },
  });
  const { sim, names } = rig;
  const odd = [
    'emoji-📦-batch',
    'crlf\r\nX-Injected: 1',
    'nul\u0000byte',
    ' leading and trailing ',
    '100%-done %41',
    'tab\there',
    'ümlaut-ß',
    '\u2028line-separator',
  ];
  const batches = [
    ...odd.map((id, i) =>
      batch(id, [
        { sku: skuFor(i), delta: 1 },
        { sku: skuFor(i + 100), delta: 2 },
      ]),
    ),
    batch('own-keys', [
      { sku: skuFor(300), delta: 1, key: 'key\nwith-newline' },
      { sku: skuFor(301), delta: 1, key: '🙂' },
      { sku: skuFor(302), delta: 1, key: '%F0%9F%99%82' }, // looks like the encoding of 🙂: must stay distinct
    ]),
    ...Array.from({ length: 10 }, (_, i) => batch(`plain-${i}`, [{ sku: skuFor(500 + i), delta: 1 }])),
  ];
  // Interleave so that plain batches run while the odd ones do.
  await rig.enqueueBatches(batches);
  const worker = await rig.startWorker('odd-keys');
  await rig.settled();

  const expected = batches.flatMap((b) =>
    b.items.map((item, i) => encodeIdempotencyKey(itemKey(b, item, i))),
  );
  expect(new Set(expected).size).toBe(expected.length);
  const applied = sim.ledger.applications();
  expect([...applied.keys()].sort()).toEqual([...expected].sort());
  expect([...applied.values()].every((n) => n === 1)).toBe(true);
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
  const m = await worker.metrics();
  expect(sumOf(m, METRICS.errorsTotal)).toBe(0);
  expect(worker.logs.filter((l) => l.event === 'circuit_state')).toEqual([]);
  expect(sumOf(m, METRICS.itemsTotal, { outcome: 'applied' })).toBe(expected.length);
});

test('same batch id: same content is a no-op, other content is dead-lettered as BATCH_ID_REUSED', async () => {
  const rig = await h.startWorkerRig({ label: 'reuse', simulator: { faults: { failureRate: 0 } } });
  const { sim, names } = rig;
  const worker = await rig.startWorker('reuse');

  const original = batch('order-42', [
    { sku: skuFor(1), delta: 5 },
    { sku: skuFor(2), target: 10 },
  ]);
  await rig.enqueueBatches([original]);
  await rig.settled();
  expect(sim.ledger.summary().applied).toBe(2);

  // The same batch again (a producer retry): acknowledged, nothing applied, nothing dead-lettered.
  await rig.enqueueBatches([{ ...original, enqueuedAt: new Date(Date.now() + 1000).toISOString() }]);
  await rig.settled();
  expect(sim.ledger.summary()).toMatchObject({ applied: 2, requests: 2 });
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);

  // Other content under the same id, including a batch whose first item is identical.
  const reused = [
    batch('order-42', [{ sku: skuFor(3), delta: 1 }]),
    batch('order-42', [
      { sku: skuFor(1), delta: 5 },
      { sku: skuFor(2), target: 11 },
    ]),
    batch('order-42', [...original.items, { sku: skuFor(4), delta: 1 }]),
    batch('order-42', original.items, 'WH-02'),
  ];
  await rig.enqueueBatches(reused);
  await rig.settled();
  const dead = await listDeadLetters(h.client, names.deadLetterStream);
  expect(dead).toHaveLength(4);
  expect(
    dead.every((d) => d.errorCode === 'BATCH_ID_REUSED' && d.kind === 'batch' && d.batchId === 'order-42'),
  ).toBe(true);
  // The dead letters hold the reused batches whole, ready to be sent again under a new id.
  expect(dead.map((d) => (JSON.parse(d.batch) as BatchMessage).items.length).sort()).toEqual([1, 2, 2, 3]);
  expect(sim.ledger.summary()).toMatchObject({ applied: 2, requests: 2 });
  expect(sumOf(await worker.metrics(), METRICS.deadLettersTotal, { error_code: 'BATCH_ID_REUSED' })).toBe(4);
});

test('an item key reused for another operation is dead-lettered as IDEMPOTENCY_KEY_REUSED', async () => {
  const rig = await h.startWorkerRig({ label: 'key-reuse', simulator: { faults: { failureRate: 0 } } });
  const { sim, names } = rig;
  await rig.startWorker('key-reuse');
  await rig.enqueueBatches([batch('a', [{ sku: skuFor(1), delta: 5, key: 'sku1-adjust-7' }])]);
  await rig.settled();
  await rig.enqueueBatches([
    batch('b', [
      { sku: skuFor(1), delta: 5, key: 'sku1-adjust-7' }, // same operation: no-op
      { sku: skuFor(1), delta: 6, key: 'sku1-adjust-7' }, // other operation: reuse
      { sku: skuFor(9), delta: 1, key: 'fresh' },
    ]),
  ]);
  await rig.settled();
  const dead = await listDeadLetters(h.client, names.deadLetterStream);
  expect(dead.map((d) => [d.kind, d.errorCode, d.itemKey])).toEqual([
    ['item', 'IDEMPOTENCY_KEY_REUSED', 'sku1-adjust-7'],
  ]);
  expect(sim.ledger.summary()).toMatchObject({ applied: 2 });
  expect(sim.ledger.applications().get('fresh')).toBe(1);
});
