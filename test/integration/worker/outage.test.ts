// Issue 11, case 3 and the outage acceptance test: the primary is down for OUTAGE_TEST_SECONDS (60 by
// default) while 3 workers run and a producer enqueues steadily, with and without a secondary.
// Required: 0 lost, 0 applied twice, 0 dead letters (with maxDeliveries 2 and claimIdle 2 s, which the
// old worker burnt through within seconds); without a secondary the workers stop taking batches and say
// so, and the backlog drains within 2x the time it took to build up; every worker fails back to the
// primary within one half-open interval of its recovery.
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { enqueueBatches } from '../../../src/cli/enqueue-batches.ts';
import { expectedItemKeys, syntheticBatches } from '../../../src/cli/workload.ts';
import type { SimulatorHandle } from '../../../src/simulator/server.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { readPresence } from '../../../src/contracts/worker-presence.ts';
import type { BatchMessage } from '../../../src/worker/message.ts';
import {
  applicationsByKey,
  exactlyOnceViolations,
  waitUntilDone,
  type QueueNames,
} from '../../support/queue-fixture.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { waitFor } from '../../support/wait-for.ts';
import type { WorkerProcess } from '../../support/worker-process.ts';

const OUTAGE_MS = Number(process.env.OUTAGE_TEST_SECONDS ?? 60) * 1000;
const HALF_OPEN_MS = 3000;
// Scheduling on a busy 2-core machine: a probe due at t runs a little after t.
const SLACK_MS = 750;
const BATCHES_PER_SECOND = 10;

jest.setTimeout(3 * OUTAGE_MS + 90_000);

const h = useQueueHarness();
// A failing test must not leave its producer enqueueing (jest would never exit).
const producers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.stop()));
});

/** Enqueues BATCHES_PER_SECOND synthetic batches per second until stopped; remembers what it sent. */
function startProducer(names: QueueNames) {
  const sent: BatchMessage[] = [];
  let running = true;
  let round = 0;
  let stopped: Promise<void> | undefined;
  const done = (async () => {
    const started = Date.now();
    while (running) {
      const batches = [
        ...syntheticBatches({
          runId: `${names.stream}-r${round++}`,
          batches: 1,
          warehouses: 3,
          minItems: 2,
          maxItems: 6,
        }),
      ];
      await enqueueBatches(h.client, batches, { stream: names.stream });
      sent.push(...batches);
      const next = started + (round * 1000) / BATCHES_PER_SECOND;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  const producer = {
    sent,
    stop: () => {
      running = false;
      stopped ??= done.catch(() => undefined);
      return stopped;
    },
  };
  producers.push(producer);
  return producer;
}

/** The primary simulator (and a secondary, with `withSecondary`) and 3 workers with the outage settings. */
async function startRig(label: string, withSecondary: boolean) {
  const rig = await h.startWorkerRig({
    label,
    simulator: { faults: { failureRate: 0 } },
    ...(withSecondary ? { secondary: { faults: { failureRate: 0 } } } : {}),
    config: {
      queue: { maxDeliveries: 2, claimIdleSeconds: 2 },
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 100, jitter: 'full' },
      circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: HALF_OPEN_MS },
    },
  });
  const workers = await Promise.all(
    [1, 2, 3].map((i) => rig.startWorker(`outage-${rig.names.consumerGroup}-${i}`)),
  );
  return { rig, workers };
}

/** When each worker's primary breaker closed again after `since` (ms epoch). */
function primaryClosedAt(worker: WorkerProcess, since: number): number | undefined {
  const line = worker.logs.find(
    (l) =>
      l.event === 'circuit_state' &&
      l.upstream === 'primary' &&
      l.state === 'Closed' &&
      Date.parse(String(l.timestamp)) >= since,
  );
  return line ? Date.parse(String(line.timestamp)) : undefined;
}

async function expectFailbackWithinHalfOpen(workers: WorkerProcess[], recoveredAt: number) {
  const closed = await waitFor(
    () => workers.map((w) => primaryClosedAt(w, recoveredAt)),
    (times) => times.every((t) => t !== undefined),
    { timeoutMs: HALF_OPEN_MS * 3, what: 'every worker back on the primary' },
  );
  for (const at of closed) expect((at as number) - recoveredAt).toBeLessThanOrEqual(HALF_OPEN_MS + SLACK_MS);
}

async function expectExactlyOnce(names: QueueNames, sims: SimulatorHandle[], sent: BatchMessage[]) {
  const keys = expectedItemKeys(sent);
  await waitUntilDone(
    h.client,
    names,
    sims.map((s) => s.ledger),
    keys,
    60_000,
  );
  expect(
    exactlyOnceViolations(
      sims.map((s) => s.ledger),
      keys,
    ),
  ).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
}

test(`primary down ${OUTAGE_MS / 1000} s, no secondary: intake pauses, nothing dead-lettered, the backlog drains within 2x`, async () => {
  const { rig, workers } = await startRig('outage-alone', false);
  const { sim: primary, names } = rig;
  const producer = startProducer(names);
  await waitFor(
    () => primary.ledger.summary().applied,
    (n) => n > 50,
    { timeoutMs: 15_000, what: 'traffic before the outage' },
  );

  primary.setOutage(true, 'reset');
  const downAt = Date.now();
  // Every worker stops taking batches and says so: metric, log line, readiness.
  await waitFor(
    () => Promise.all(workers.map(async (w) => sumOf(await w.metrics(), METRICS.intakePaused))),
    (paused) => paused.every((p) => p === 1),
    { timeoutMs: 15_000, what: 'intake paused on every worker' },
  );
  // #15: and tell the operator, through their presence records, so it holds the replicas meanwhile.
  const presence = await waitFor(
    () => readPresence(h.client, names),
    (records) => records.length === workers.length && records.every((r) => r.paused),
    { timeoutMs: 5_000, what: 'every presence record says paused' },
  );
  expect(presence).toHaveLength(workers.length);
  for (const w of workers) {
    const readyz = await fetch(`http://127.0.0.1:${w.metricsPort}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toContain('no upstream can take calls');
    expect(w.logs.some((l) => l.event === 'intake_paused')).toBe(true);
  }
  await sleep(Math.max(0, downAt + OUTAGE_MS / 2 - Date.now()));
  const mid = await readQueueStats(h.client, names);
  // Only what the workers held when it started is pending (3 workers x 4 batches); the rest waits undelivered.
  expect(mid.pending).toBeLessThanOrEqual(12);
  expect(mid.lag).toBeGreaterThan(BATCHES_PER_SECOND * (OUTAGE_MS / 2000) * 0.5);
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
  await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));

  const backlog = producer.sent.length;
  primary.setOutage(false);
  const recoveredAt = Date.now();
  const buildUpMs = recoveredAt - downAt;
  await expectFailbackWithinHalfOpen(workers, recoveredAt);
  // The backlog (everything enqueued before the recovery) is applied within 2x the build-up time,
  // while the producer keeps enqueueing.
  const backlogKeys = expectedItemKeys(producer.sent.slice(0, backlog));
  await waitFor(
    () => {
      const applied = applicationsByKey([primary.ledger]);
      return backlogKeys.filter((k) => !applied.has(k)).length;
    },
    (missing) => missing === 0,
    { timeoutMs: 2 * buildUpMs, intervalMs: 250, what: `the backlog drained within 2 x ${buildUpMs} ms` },
  );
  const drainMs = Date.now() - recoveredAt;
  console.info(`outage ${buildUpMs} ms, backlog ${backlog} batches, drained in ${drainMs} ms`);
  await producer.stop();
  await expectExactlyOnce(names, [primary], producer.sent);
  for (const w of workers) expect(w.logs.some((l) => l.event === 'intake_resumed')).toBe(true);
});

test(`primary down ${OUTAGE_MS / 1000} s with a secondary: the secondary serves, then every worker fails back`, async () => {
  const { rig, workers } = await startRig('outage-failover', true);
  const { sim: primary, secondary, names } = rig;
  const producer = startProducer(names);
  await waitFor(
    () => primary.ledger.summary().applied,
    (n) => n > 50,
    { timeoutMs: 15_000, what: 'traffic before the outage' },
  );

  primary.setOutage(true, 'error');
  const downAt = Date.now();
  await waitFor(
    () => workers.map((w) => w.logs.some((l) => l.event === 'upstream_failover')),
    (all) => all.every(Boolean),
    { timeoutMs: 15_000, what: 'every worker on the secondary' },
  );
  await sleep(Math.max(0, downAt + OUTAGE_MS / 2 - Date.now()));
  // The secondary keeps up: nothing piles up, nobody pauses.
  const mid = await readQueueStats(h.client, names);
  expect(mid.lag).toBeLessThan(BATCHES_PER_SECOND * 5);
  for (const w of workers) expect(sumOf(await w.metrics(), METRICS.intakePaused)).toBe(0);
  // Probes went to the primary on its half-open schedule while the secondary served.
  // Each worker probes once per half-open interval: as many probes as workers come in one interval,
  // waited for rather than counted in a fixed window (a late timer let one slip out of it).
  const primaryCalls = primary.responseCounts()['503'] ?? 0;
  await waitFor(
    () => (primary.responseCounts()['503'] ?? 0) - primaryCalls,
    (probes) => probes >= workers.length,
    { timeoutMs: 3 * HALF_OPEN_MS, intervalMs: 100, what: 'a probe of the primary from each worker' },
  );
  await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));

  const appliedOnSecondary = secondary.ledger.summary().applied;
  primary.setOutage(false);
  const recoveredAt = Date.now();
  await expectFailbackWithinHalfOpen(workers, recoveredAt);
  // The failback line follows the first call the primary serves after its circuit closed: wait for it.
  const failbacks = await waitFor(
    () => workers.map((w) => w.logs.find((l) => l.event === 'upstream_failback')),
    (lines) => lines.every((l) => l !== undefined),
    { timeoutMs: HALF_OPEN_MS * 3, what: 'every worker logs its failback' },
  );
  for (const line of failbacks) {
    expect(line).toMatchObject({
      from: 'secondary',
      to: 'primary',
    });
  }
  // After the failback the primary takes the traffic again.
  await waitFor(
    () => primary.ledger.summary().applied,
    (n) => n > 0,
    { timeoutMs: 5000, what: 'primary applying' },
  );
  await sleep(1000);
  const before = secondary.ledger.summary().applied;
  await sleep(1000);
  expect(secondary.ledger.summary().applied - before).toBe(0);
  expect(appliedOnSecondary).toBeGreaterThan(0);
  await producer.stop();
  await expectExactlyOnce(names, [primary, secondary], producer.sent);
});
