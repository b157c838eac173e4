// Issue 11, case 1: an upstream that recovers gets traffic again. The primary's open breaker is probed
// on its half-open schedule while the secondary serves; when the secondary then fails, the recovered
// primary takes everything: nothing is dead-lettered, nothing applied twice.
import { jest } from '@jest/globals';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();
const HALF_OPEN_MS = 1500;

test('failover comes back: the recovered primary is probed and takes over when the secondary fails', async () => {
  const rig = await h.startWorkerRig({
    label: 'failback',
    simulator: { faults: { failureRate: 0 } },
    secondary: { faults: { failureRate: 0 } },
    config: {
      queue: { maxDeliveries: 2, claimIdleSeconds: 2 },
      circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: HALF_OPEN_MS },
    },
  });
  const { sim: primary, secondary, names } = rig;
  primary.setOutage(true, 'reset');
  const worker = await rig.startWorker('failback');

  const first = await rig.enqueue({ batches: 20, warehouses: 2, minItems: 2, maxItems: 6 });
  await waitUntilDone(h.client, names, [primary.ledger, secondary.ledger], first.keys, 20_000);
  expect(secondary.ledger.summary().applied).toBe(first.keys.length);

  // The primary recovers and, at once, the secondary fails.
  primary.setOutage(false);
  secondary.setOutage(true, 'reset');
  const recoveredAt = Date.now();
  const second = await rig.enqueue({ batches: 20, warehouses: 2, minItems: 2, maxItems: 6 });
  await waitUntilDone(h.client, names, [primary.ledger, secondary.ledger], second.keys, 20_000);

  const failback = worker.logs.find((l) => l.event === 'upstream_failback');
  expect(failback).toMatchObject({ from: 'secondary', to: 'primary' });
  expect(Date.parse(String(failback?.timestamp)) - recoveredAt).toBeLessThanOrEqual(HALF_OPEN_MS + 750);
  expect(primary.ledger.summary().applied).toBe(second.keys.length);
  const keys = [...first.keys, ...second.keys];
  expect(exactlyOnceViolations([primary.ledger, secondary.ledger], keys)).toEqual({
    missing: [],
    duplicated: [],
    unexpected: [],
  });
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
});

test('no secondary: the batches held during the outage carry the half-open probes and finish once the primary is back', async () => {
  const rig = await h.startWorkerRig({
    label: 'idle-probe',
    simulator: { faults: { failureRate: 0 } },
    config: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 500 } },
  });
  const { sim: primary, names } = rig;
  primary.setOutage(true, 'error');
  const worker = await rig.startWorker('idle-probe');
  const first = await rig.enqueue({ batches: 2, warehouses: 1, minItems: 2, maxItems: 2 });
  await waitFor(
    () => worker.logs.filter((l) => l.event === 'circuit_state' && l.state === 'Open').length,
    (n) => n >= 2,
    {
      timeoutMs: 10_000,
      what: 'the breaker reopened after a failed probe',
    },
  );
  primary.setOutage(false);
  await waitUntilDone(h.client, names, [primary.ledger], first.keys, 10_000);
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
});
