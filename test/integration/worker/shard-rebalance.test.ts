// Warehouse shards (#13), rebalancing with processes: 1 -> 3 -> 2 workers while batches keep arriving.
// Each live worker settles at its share of the 6 shards (6; then 2,2,2; then 3,3), a worker that gets
// SIGTERM finishes its batches, hands every shard back and exits 0, and nothing is lost, applied twice or
// applied out of order across the moves.
import { setTimeout as sleep } from 'node:timers/promises';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import type { BatchMessage } from '../../../src/worker/message.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';
import { exactlyOnceViolations } from '../../support/queue-fixture.ts';
import { orderViolations } from '../../support/sku-order-check.ts';
import { waitFor } from '../../support/wait-for.ts';

const SHARDS = 6;

const h = useQueueHarness();

const owned = async (workers: readonly WorkerProcess[]) =>
  Promise.all(workers.map(async (w) => sumOf(await w.metrics(), METRICS.shardsOwned)));

test('shards follow the replica count: 6 -> 2,2,2 -> 3,3; SIGTERM hands them back; order kept', async () => {
  const rig = await h.startWorkerRig({
    label: 'shard-rebalance',
    simulator: { faults: { failureRate: 0.1 }, latency: { medianMs: 5, p95Ms: 20, maxMs: 150 } },
    config: {
      queue: { maxDeliveries: 50, claimIdleSeconds: 2, shards: SHARDS },
      concurrency: { itemsPerBatch: 4 },
      upstream: { timeoutMs: 500 },
    },
  });
  const { sim } = rig;
  const start = (name: string) => rig.startWorker(name);

  // A steady trickle of batches over 10 warehouses (a few SKUs each, so operations conflict).
  const batches: BatchMessage[] = [];
  const keys: string[] = [];
  let loading = true;
  const load = (async () => {
    for (let seed = 1; loading; seed++) {
      const { batches: more, keys: moreKeys } = await rig.enqueue({
        batches: 10,
        warehouses: 10,
        minItems: 2,
        maxItems: 6,
        seed,
      });
      batches.push(...more);
      keys.push(...moreKeys);
      await sleep(50);
    }
  })();

  const first = await start('r1');
  await waitFor(
    () => owned([first]),
    (n) => n[0] === SHARDS,
    { timeoutMs: 15_000, what: 'r1 owning all 6' },
  );

  const joined = await Promise.all(['r2', 'r3'].map(start));
  const three = [first, ...joined];
  await waitFor(
    () => owned(three),
    (n) => n.every((c) => c === 2),
    {
      timeoutMs: 20_000,
      what: 'two shards each',
    },
  );

  const leaving = joined[0] as WorkerProcess;
  leaving.kill('SIGTERM');
  expect(await leaving.exited).toEqual({ code: 0, signal: null });
  const released = leaving.logs.filter((l) => l.event === 'shard_released');
  expect(released.length).toBe(leaving.logs.filter((l) => l.event === 'shard_acquired').length);
  expect(released.every((l) => l.reason === 'shutdown' || l.reason === 'rebalance')).toBe(true);
  const two = [first, joined[1] as WorkerProcess];
  await waitFor(
    () => owned(two),
    (n) => n.every((c) => c === 3),
    { timeoutMs: 20_000, what: 'three shards each' },
  );

  loading = false;
  await load;
  await rig.settled(60_000);
  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(orderViolations(sim.ledger, batches)).toEqual({ outOfOrder: [], wrongStock: [] });
  // The leases moved: shards changed hands on the way up and on the way down.
  const acquisitions = (w: WorkerProcess) => w.logs.filter((l) => l.event === 'shard_acquired').length;
  expect(acquisitions(first)).toBeGreaterThanOrEqual(SHARDS);
  expect(acquisitions(joined[1] as WorkerProcess)).toBeGreaterThanOrEqual(3);
});
