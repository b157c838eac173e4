// Redis restarted mid-run (AOF on): the workers reconnect; nothing lost, nothing applied twice.
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';

jest.setTimeout(90_000);

const h = useQueueHarness();

test('Redis restart mid-run: workers reconnect, every item applied exactly once, nothing pending', async () => {
  const rig = await h.startWorkerRig({
    label: 'restart',
    simulator: { faults: { failureRate: 0.1 }, latency: { medianMs: 15, p95Ms: 40 } },
    workload: { batches: 60, warehouses: 3, minItems: 3, maxItems: 10 },
    config: { concurrency: { batches: 3, itemsPerBatch: 3 } },
  });
  const { sim, names, keys } = rig;
  await Promise.all(['restart-1', 'restart-2'].map((name) => rig.startWorker(name)));
  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n >= keys.length / 4,
    {
      timeoutMs: 20_000,
      what: 'a quarter of the items applied',
    },
  );

  await h.redis.restart();
  const appliedAtRestart = sim.ledger.summary().applied;
  expect(appliedAtRestart).toBeLessThan(keys.length);

  await waitUntilDone(h.client, names, [sim.ledger], keys, 60_000);

  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(sim.ledger.summary().duplicates).toBe(0);
  for (const worker of h.workers) {
    expect(worker.child.exitCode).toBeNull();
    expect(worker.logs.some((l) => l.event === 'redis_reconnected')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/readyz`)).status).toBe(200);
  }
  const samples = await Promise.all(h.workers.map((w) => w.metrics()));
  const deadLetters = samples.reduce((sum, m) => sum + sumOf(m, METRICS.deadLettersTotal), 0);
  expect(deadLetters).toBe(0);
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
});
