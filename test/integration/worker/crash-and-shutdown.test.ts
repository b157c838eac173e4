// SIGKILL mid-batch (another worker reclaims, exactly once) and SIGTERM (drain, exit 0, nothing pending).
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { itemKey } from '../../../src/worker/message.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { readPresence } from '../../../src/contracts/worker-presence.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';
import { ok } from '../../support/scripted-upstream.ts';
import { exactlyOnceViolations, waitUntilDone } from '../../support/queue-fixture.ts';

jest.setTimeout(60_000);

const h = useQueueHarness();

test('SIGKILL mid-batch: a second worker reclaims the pending batches; nothing lost, nothing applied twice', async () => {
  const rig = await h.startWorkerRig({
    label: 'sigkill',
    // Slow upstream so that the victim certainly has batches half done when it dies.
    simulator: { faults: { failureRate: 0.1 }, latency: { medianMs: 25, p95Ms: 60 } },
    workload: { batches: 40, warehouses: 3, minItems: 4, maxItems: 12 },
    config: { concurrency: { batches: 4, itemsPerBatch: 2 } },
  });
  const { sim, names, keys } = rig;
  const victim = await rig.startWorker('victim');

  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n >= 20,
    { timeoutMs: 20_000, what: 'some items applied' },
  );
  victim.kill('SIGKILL');
  expect((await victim.exited).signal).toBe('SIGKILL');
  const before = await readQueueStats(h.client, names);
  expect(before.pending).toBeGreaterThan(0);
  expect(sim.ledger.summary().applied).toBeLessThan(keys.length);

  const rescuer = await rig.startWorker('rescuer');
  await waitUntilDone(h.client, names, [sim.ledger], keys, 45_000);

  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(sim.ledger.summary().duplicates).toBe(0);
  const m = await rescuer.metrics();
  expect(sumOf(m, METRICS.batchesReclaimedTotal)).toBeGreaterThanOrEqual(before.pending);
  // Items the victim had applied were skipped by marker (or deduplicated upstream), not applied again.
  expect(sumOf(m, METRICS.itemsTotal, { outcome: 'deduplicated' })).toBeGreaterThan(0);
  expect(rescuer.logs.some((l) => l.event === 'batch_reclaimed')).toBe(true);
});

test('SIGTERM: in-flight batches finish, exit 0 within the grace period, nothing left pending', async () => {
  const rig = await h.startWorkerRig({
    label: 'sigterm',
    simulator: { faults: { failureRate: 0 }, latency: { medianMs: 60, p95Ms: 120 } },
    // ~30 s of work: a backlog is still there at SIGTERM however long the waits before it take.
    workload: { batches: 300, warehouses: 2, minItems: 6, maxItems: 10 },
    config: { concurrency: { batches: 3, itemsPerBatch: 2 } },
  });
  const { sim, names, batches } = rig;
  const graceSeconds = 8;
  const worker = await rig.startWorker('graceful', {
    env: { INVENTORYBOT_SHUTDOWN_GRACE_SECONDS: String(graceSeconds) },
  });

  await waitFor(
    async () => sumOf(await worker.metrics(), METRICS.batchesInFlight),
    (n) => n > 0,
    {
      timeoutMs: 15_000,
      what: 'batches in flight',
    },
  );
  // #15: the worker tells the operator how busy it is (pod-deletion-cost ranks idle pods first).
  const busy = await waitFor(
    () => readPresence(h.client, names),
    (records) => records.some((r) => r.inFlight > 0),
    { timeoutMs: 5_000, what: 'a presence record with batches in flight' },
  );
  expect(busy).toHaveLength(1);
  expect(busy[0]).toMatchObject({ paused: false });
  const started = Date.now();
  worker.kill('SIGTERM');
  const exit = await worker.exited;
  const seconds = (Date.now() - started) / 1000;

  expect(exit).toEqual({ code: 0, signal: null });
  expect(seconds).toBeLessThan(graceSeconds);
  const stats = await readQueueStats(h.client, names);
  expect(stats.pending).toBe(0);
  expect(stats.lag).toBeGreaterThan(0); // it stopped reading: the rest waits for another worker
  // Every batch it started was finished: all or none of a batch's items are in the ledger.
  const applied = sim.ledger.applications();
  const started_ = batches.filter((b) => b.items.some((item, i) => applied.has(itemKey(b, item, i))));
  expect(started_.length).toBeGreaterThan(0);
  for (const batch of started_) {
    expect(batch.items.every((item, i) => applied.get(itemKey(batch, item, i)) === 1)).toBe(true);
  }
  const stop = worker.logs.find((l) => l.event === 'bot_stop');
  expect(stop).toMatchObject({ drained: true });
  // Leaving, it removes its record: a stopped worker counts for nothing.
  expect(await readPresence(h.client, names)).toEqual([]);
});

test('SIGTERM with claimIdle < grace: a batch still being worked stays claimed until it finishes; nobody reclaims it', async () => {
  // #16: a stopping worker used to stop heartbeating at SIGTERM, so with claimIdle (1 s here) shorter
  // than the grace (25 s) another worker reclaimed a batch whose call was still under way and applied
  // it again. The one item's call takes 14 s, far more than claimIdle, and long enough that the rescuer
  // (a new worker process: seconds to start on a busy 2-core host) is up for 3 s of it.
  const slowMs = 14_000;
  const rig = await h.startWorkerRig({
    label: 'sigterm-heartbeat',
    script: (call) =>
      call.sku === 'SLOW' ? { ...(ok(call) as { status: number; body: string }), delayMs: slowMs } : ok(call),
    config: {
      queue: { claimIdleSeconds: 1 },
      concurrency: { batches: 1, itemsPerBatch: 1 },
      upstream: { timeoutMs: 30_000 },
    },
  });
  const { upstream: u, names } = rig;
  const env = { INVENTORYBOT_SHUTDOWN_GRACE_SECONDS: '25' };
  const stopping = await rig.startWorker('stopping', { env });
  await rig.enqueueBatches([
    {
      batchId: 'b-slow',
      warehouse: 'WH-01',
      items: [{ sku: 'SLOW', delta: 1 }],
      enqueuedAt: new Date().toISOString(),
    },
  ]);
  const [call] = await waitFor(
    () => u.calls,
    (calls) => calls.length > 0,
    { timeoutMs: 10_000, what: 'the slow call under way' },
  );
  stopping.kill('SIGTERM');
  // A worker that claims entries idle for 1 s, every 0.5 s, up while the slow call still runs.
  const rescuer = await rig.startWorker('rescuer', { env });
  const rescuerUpFor = (call?.at ?? 0) + slowMs - Date.now();
  expect(rescuerUpFor).toBeGreaterThan(3000); // else this test could not see a reclaim

  const exit = await stopping.exited;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(stopping.logs.find((l) => l.event === 'bot_stop')).toMatchObject({ drained: true });
  expect(stopping.logs.filter((l) => l.event === 'batch_complete')).toHaveLength(1);
  // One call: the rescuer neither reclaimed the batch nor called the upstream for it again.
  expect(rescuer.logs.filter((l) => l.event === 'batch_reclaimed')).toEqual([]);
  expect(u.calls.map((c) => c.n)).toEqual([1]);
  expect((await readQueueStats(h.client, names)).pending).toBe(0);
});
