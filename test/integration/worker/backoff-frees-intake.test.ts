// Issue 12: a batch whose items all wait in backoff does not hold the worker's intake. With one batch
// slot (8 batches in hand that need calls) and every item's first call failing transiently into a long
// backoff, the worker takes all 20 batches and calls each item once before the first retry is due,
// instead of stopping at 8 batches until their retries free the slots.
import { jest } from '@jest/globals';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { ok } from '../../support/scripted-upstream.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('batches waiting only on backoff free their intake slot', async () => {
  const rig = await h.startWorkerRig({
    label: 'backoff-intake',
    script: (call) =>
      call.n === 1
        ? { status: 503, body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'try again' } }) }
        : ok(call),
    workload: { batches: 20, warehouses: 2, minItems: 1, maxItems: 1 },
    config: {
      // Every first call fails; the retry waits 8 s, far longer than taking 20 batches does, even on a
      // starved host.
      retry: { maxAttempts: 5, baseDelayMs: 8000, maxDelayMs: 8000, jitter: 'none' },
      // 20 transient failures in a row are the test's script, not an outage.
      circuitBreaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
      concurrency: { batches: 1, itemsPerBatch: 8 },
    },
  });
  const { upstream, keys } = rig;
  await rig.startWorker('backoff-intake');

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
