// Issue 12: the batches a worker holds, parked ones included, are bounded by what it finished in the last
// second, not by a fixed 32 per batch slot. One batch slot (32 batches held before), 160 single-item
// batches, every fourth item's first call failing into a 5 s backoff: the other three finish at once, so
// the worker takes all 160 batches and calls each item once before the first retry is due. With the fixed
// bound it stopped at 128 (32 batches parked in backoff) until the retries freed them.
import { jest } from '@jest/globals';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { ok } from '../../support/scripted-upstream.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('batches finishing quickly let the worker hold more batches parked in backoff', async () => {
  let firstCalls = 0;
  const rig = await h.startWorkerRig({
    label: 'held-pace',
    script: (call) =>
      call.n === 1 && firstCalls++ % 4 === 0
        ? { status: 503, body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'try again' } }) }
        : ok(call),
    workload: { batches: 160, warehouses: 2, minItems: 1, maxItems: 1 },
    config: {
      // The retry waits 5 s, far longer than taking 160 batches does.
      retry: { maxAttempts: 5, baseDelayMs: 5000, maxDelayMs: 5000, jitter: 'none' },
      circuitBreaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
      concurrency: { batches: 1, itemsPerBatch: 8 },
    },
  });
  const { upstream, keys } = rig;
  await rig.startWorker('held-pace');

  const firstRetry = await waitFor(
    () => upstream.calls.findIndex((call) => call.n === 2),
    (index) => index >= 0,
    { timeoutMs: 30_000, what: 'the first retry' },
  );
  const calledBeforeFirstRetry = new Set(upstream.calls.slice(0, firstRetry).map((call) => call.key));
  expect(calledBeforeFirstRetry.size).toBe(keys.length);

  await waitFor(
    () => keys.filter((key) => upstream.effects.get(key) === 1).length,
    (applied) => applied === keys.length,
    { timeoutMs: 30_000, what: 'every item applied once' },
  );
  expect([...upstream.effects.values()].every((n) => n === 1)).toBe(true);
});
