// Issue 11, case 10: consumers that are dead (nothing pending, idle past a bound) are removed from the
// group; a dead consumer's pending entries are reclaimed first, so nothing is lost on the way.
import { jest } from '@jest/globals';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(90_000);

const h = useQueueHarness();

test('after a kill storm only the live consumers stay in the group, and nothing is lost', async () => {
  const rig = await h.startWorkerRig({
    label: 'dead-consumers',
    simulator: { faults: { failureRate: 0 }, latency: { medianMs: 100, p95Ms: 150 } },
    workload: { batches: 150, warehouses: 2, minItems: 4, maxItems: 8 },
    config: { queue: { claimIdleSeconds: 1 }, concurrency: { batches: 8, itemsPerBatch: 8 } },
  });
  const { sim, names, keys } = rig;
  // Slow victims (so they die with batches in hand), a fast survivor.
  const slow = { ...rig.config, concurrency: { batches: 2, itemsPerBatch: 2 } };
  const victims = await Promise.all(
    [1, 2, 3, 4].map((i) => rig.startWorker(`victim-${i}`, { config: slow })),
  );
  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n > 20,
    { timeoutMs: 15_000, what: 'work under way' },
  );
  for (const v of victims) v.kill('SIGKILL');
  await Promise.all(victims.map((v) => v.exited));
  const pendingOnVictims = (await h.client.xInfoConsumers(names.stream, names.consumerGroup)).filter(
    (c) => c.pending > 0,
  );
  expect(pendingOnVictims.length).toBeGreaterThan(0);

  const survivor = await rig.startWorker('survivor');
  await waitUntilDone(h.client, names, [sim.ledger], keys, 30_000);
  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  // Removal bound: max(3 x claimIdle, 10 s) idle with nothing pending.
  const consumers = await waitFor(
    async () => (await h.client.xInfoConsumers(names.stream, names.consumerGroup)).map((c) => c.name),
    (list) => list.length === 1,
    { timeoutMs: 30_000, intervalMs: 500, what: 'dead consumers removed' },
  );
  expect(consumers).toEqual(['survivor']);
  expect(survivor.logs.some((l) => l.event === 'consumers_removed')).toBe(true);
});
