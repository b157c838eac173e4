// Issue 11, case 8: every dead letter carries its cause. A batch whose item keeps failing (a breaker that
// does not open: not an outage) reaches maxDeliveries, redelivered by its own worker without waiting for
// claimIdle; its MAX_DELIVERIES_EXCEEDED dead letter names the last error per item, the attempts and the
// upstream, even when the last failing delivery was another worker's.
import { jest } from '@jest/globals';
import { listDeadLetters } from '../../../src/worker/dead-letter-store.ts';
import type { DeliveryCause } from '../../../src/worker/delivery-notes.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { ok } from '../../support/scripted-upstream.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('MAX_DELIVERIES_EXCEEDED names the last error of each failing item, its attempts and upstream', async () => {
  const rig = await h.startWorkerRig({
    label: 'cause',
    script: (c) =>
      c.sku === 'POISON' ? { status: 500, body: '{"error_code":"BOOM","message":"poison sku"}' } : ok(c),
    config: {
      // claimIdle is long: the redeliveries are the worker's own, not XAUTOCLAIM's.
      queue: { maxDeliveries: 3, claimIdleSeconds: 600 },
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, jitter: 'full' },
      circuitBreaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
    },
  });
  const { upstream: u, names } = rig;
  await rig.enqueueBatches([
    {
      batchId: 'poisoned',
      warehouse: 'WH-01',
      items: [
        { sku: 'FINE', delta: 1 },
        { sku: 'POISON', delta: 1 },
      ],
      enqueuedAt: new Date().toISOString(),
    },
  ]);
  await rig.startWorker('cause');
  const [dead] = await waitFor(
    () => listDeadLetters(h.client, names.deadLetterStream),
    (entries) => entries.length === 1,
    { timeoutMs: 20_000, what: 'the batch dead-lettered' },
  );
  expect(dead).toMatchObject({ errorCode: 'MAX_DELIVERIES_EXCEEDED', kind: 'batch', batchId: 'poisoned' });
  expect(dead?.error).toContain('poisoned:1 UPSTREAM_5XX after 2 attempts on primary');
  expect(dead?.error).toContain('poison sku');
  const cause = JSON.parse(dead?.cause ?? 'null') as { counted: number; last: DeliveryCause };
  expect(cause.counted).toBe(4);
  expect(cause.last.items).toEqual([
    expect.objectContaining({
      index: 1,
      key: 'poisoned:1',
      code: 'UPSTREAM_5XX',
      attempts: 2,
      upstream: 'primary',
    }),
  ]);
  // The good item was applied once, and not again on the redeliveries (its marker was kept).
  expect(u.effects.get('poisoned:0')).toBe(1);
  expect(u.calls.filter((c) => c.key === 'poisoned:0')).toHaveLength(1);
  expect((await readQueueStats(h.client, names)).pending).toBe(0);
  // The notes of the entry went with its ack.
  expect(await h.client.hLen(`${names.stream}:delivery-notes`)).toBe(0);
});
