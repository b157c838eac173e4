// Issue 12: the intake reads more batches only while few calls wait for a call slot. A slow upstream
// (every answer held 1.5 s) with 8 call slots and batches of 4 items: 2 batches fill the slots and 2 more
// give every slot a waiting call, so the worker holds 4 batches, not the 8 its batch bound allows, until
// the first answers free slots.
import { jest } from '@jest/globals';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { ok } from '../../support/scripted-upstream.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('a slow upstream does not pull batches it cannot serve', async () => {
  const rig = await h.startWorkerRig({
    label: 'demand-intake',
    script: (call) => ({ ...(ok(call) as object), status: 200, delayMs: 1500 }),
    workload: { batches: 12, warehouses: 2, minItems: 4, maxItems: 4 },
    config: {
      // One batch per read, so how many are taken is the intake's choice, not the read size.
      queue: { readCount: 1 },
      // 8 batches in hand allowed, 8 call slots (the adaptive limit pinned).
      concurrency: { batches: 1, itemsPerBatch: 8, upstreamCallsMin: 8, upstreamCallsMax: 8 },
    },
  });
  const { upstream, names } = rig;
  await rig.startWorker('demand-intake');

  // Until the first answers free slots, the most batches the worker held at once. The window ends when the
  // first answer can have left (its call's arrival + 1.5 s, less 100 ms for timer rounding), not when the
  // 9th call arrives: the freed slot lets the intake read a 5th batch as it lets a waiting item call, and a
  // CI run sampled that batch before the 9th call had reached the upstream (5 against 4).
  const samples: { pending: number; at: number }[] = [];
  await waitFor(
    async () => {
      const { pending } = await h.client.xPending(names.stream, names.consumerGroup);
      samples.push({ pending: Number(pending), at: Date.now() });
      return upstream.calls.length;
    },
    (calls) => calls > 8,
    { timeoutMs: 30_000, intervalMs: 20, what: 'the first answers freeing call slots' },
  );
  const firstAnswerAt = (upstream.calls[0]?.at ?? 0) + 1500 - 100;
  const held = samples.filter((s) => s.at < firstAnswerAt).map((s) => s.pending);
  expect(Math.max(...held)).toBe(4);
});
