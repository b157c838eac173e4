// Issue 11, case 10: consumers that are dead (nothing pending, idle past a bound) are removed from the
// group; a dead consumer's pending entries are reclaimed first, so nothing is lost on the way.
import { jest } from '@jest/globals';
import { startSimulator } from '../../../src/simulator/server.ts';
import {
  enqueueSynthetic,
  exactlyOnceViolations,
  testConfig,
  uniqueNames,
  waitUntilDone,
} from '../../support/queue-fixture.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startWorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(90_000);

const h = useQueueHarness();

test('after a kill storm only the live consumers stay in the group, and nothing is lost', async () => {
  const sim = await startSimulator({ faults: { failureRate: 0 }, latency: { medianMs: 100, p95Ms: 150 } });
  h.simulators.push(sim);
  const names = uniqueNames('dead-consumers');
  // Slow victims (so they die with batches in hand), a fast survivor.
  const slow = testConfig(
    names,
    { primaryUrl: sim.url },
    { queue: { claimIdleSeconds: 1 }, concurrency: { batches: 2, itemsPerBatch: 2 } },
  );
  const config = testConfig(
    names,
    { primaryUrl: sim.url },
    { queue: { claimIdleSeconds: 1 }, concurrency: { batches: 8, itemsPerBatch: 8 } },
  );
  const { keys } = await enqueueSynthetic(h.client, names.stream, {
    batches: 150,
    warehouses: 2,
    minItems: 4,
    maxItems: 8,
  });
  const victims = await Promise.all(
    [1, 2, 3, 4].map((i) => startWorkerProcess({ name: `victim-${i}`, redisUrl: h.redis.url, config: slow })),
  );
  h.workers.push(...victims);
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

  const survivor = await startWorkerProcess({ name: 'survivor', redisUrl: h.redis.url, config });
  h.workers.push(survivor);
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
