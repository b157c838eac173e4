// Primary upstream down: the breaker opens and the secondary takes the traffic. DLQ replay: batches
// dead-lettered during an outage go back on the stream and get processed, exactly once.
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { listDeadLetters, replayDeadLetters } from '../../../src/worker/dead-letter-store.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('primary down: the breaker opens, the secondary takes the traffic, every item applied once', async () => {
  const rig = await h.startWorkerRig({
    label: 'failover',
    simulator: { faults: { failureRate: 0 } },
    secondary: { faults: { failureRate: 0 } },
    workload: { batches: 30, warehouses: 2, minItems: 2, maxItems: 8 },
    config: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 } },
  });
  const { sim: primary, secondary, names, keys } = rig;
  primary.setOutage(true, 'reset');
  const worker = await rig.startWorker('failover-1');

  await waitUntilDone(h.client, names, [primary.ledger, secondary.ledger], keys, 30_000);

  expect(exactlyOnceViolations([primary.ledger, secondary.ledger], keys)).toEqual({
    missing: [],
    duplicated: [],
    unexpected: [],
  });
  expect(primary.ledger.summary().applied).toBe(0);
  expect(secondary.ledger.summary().applied).toBe(keys.length);
  const m = await worker.metrics();
  expect(sumOf(m, METRICS.circuitBreakerState, { upstream: 'primary' })).toBe(1);
  expect(sumOf(m, METRICS.circuitBreakerState, { upstream: 'secondary' })).toBe(0);
  expect(
    sumOf(m, METRICS.upstreamRequestsTotal, { upstream: 'primary', result: 'CONNECTION_ERROR' }),
  ).toBeGreaterThanOrEqual(3);
  expect(sumOf(m, METRICS.upstreamRequestsTotal, { upstream: 'secondary', result: 'ok' })).toBe(keys.length);
  expect(sumOf(m, METRICS.deadLettersTotal)).toBe(0);
  expect(
    worker.logs.some((l) => l.event === 'circuit_state' && l.upstream === 'primary' && l.state === 'Open'),
  ).toBe(true);
});

test('DLQ replay: batches dead-lettered after max deliveries go back on the stream and get processed once', async () => {
  const rig = await h.startWorkerRig({
    label: 'replay',
    simulator: { faults: { failureRate: 0 } },
    config: {
      queue: { maxDeliveries: 2, claimIdleSeconds: 1 },
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10, jitter: 'full' },
      // A breaker that never opens: these failures are not an outage to the worker (an outage would
      // pause intake and dead-letter nothing, issue 11), so the batches use up their deliveries.
      circuitBreaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000 },
    },
  });
  const { sim, names } = rig;
  const worker = await rig.startWorker('replay-1');

  // Half the batches go through, then failures outlast every delivery of the other half.
  const first = await rig.enqueue({ batches: 8, warehouses: 2, minItems: 2, maxItems: 5 });
  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n === first.keys.length,
    { timeoutMs: 15_000, what: 'first half' },
  );
  sim.setOutage(true);
  const second = await rig.enqueue({ batches: 8, warehouses: 2, minItems: 2, maxItems: 5 });
  const dead = await waitFor(
    () => listDeadLetters(h.client, names.deadLetterStream),
    (entries) => entries.length === 8,
    { timeoutMs: 30_000, what: 'the outage batches dead-lettered' },
  );
  expect(dead.every((d) => d.errorCode === 'MAX_DELIVERIES_EXCEEDED' && d.kind === 'batch')).toBe(true);
  expect(dead.every((d) => (d.deliveries ?? 0) > 2)).toBe(true);
  expect(sumOf(await worker.metrics(), METRICS.batchesTotal, { outcome: 'dead_lettered' })).toBe(8);

  sim.setOutage(false);
  const result = await replayDeadLetters(h.client, names, { errorCode: 'MAX_DELIVERIES_EXCEEDED' });
  expect(result).toEqual({ replayed: 8, renamed: {}, skipped: 0, left: {} });
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);

  const keys = [...first.keys, ...second.keys];
  await waitUntilDone(h.client, names, [sim.ledger], keys, 30_000);
  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
});
