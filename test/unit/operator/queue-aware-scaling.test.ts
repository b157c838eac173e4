// #15: the backlog figures a person reads (throughput, drain ETA, replicas the queue calls for and the
// limit that bound the count), the replica hold while the queue is unreadable or intake paused, the
// figure served to the HPA meanwhile, and the events for both.
import type { V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { parseSpec, type InventoryBotStatus } from '../../../src/api/inventory-bot.ts';
import { CONDITION_TYPES } from '../../../src/api/names.ts';
import { decodePresence, encodePresence, PRESENCE_STALE_MS } from '../../../src/contracts/worker-presence.ts';
import { desiredHorizontalPodAutoscaler } from '../../../src/operator/desired/horizontal-pod-autoscaler.ts';
import { servedFigure } from '../../../src/operator/external-metrics/held-figure.ts';
import {
  drainSeconds,
  queueReplicas,
  roughly,
  shortDuration,
} from '../../../src/operator/scaling/backlog-figures.ts';
import {
  DELETION_COST_ANNOTATION,
  deletionCostChanges,
} from '../../../src/operator/scaling/deletion-cost.ts';
import { sleepState, WAKE_POLL_MS } from '../../../src/operator/scaling/idle-sleep.ts';
import { replicaHold } from '../../../src/operator/scaling/replica-hold.ts';
import { scalingBound } from '../../../src/operator/scaling/scaling-bound.ts';
import { scalingHeldEvent } from '../../../src/operator/scaling/scaling-events.ts';
import {
  doneCount,
  ThroughputWindow,
  throughputPerSecond,
} from '../../../src/operator/scaling/throughput-window.ts';
import { computeStatus } from '../../../src/operator/status.ts';
import { sampleBot, sampleSpec } from '../../support/sample-bot.ts';

const scaling = parseSpec(sampleSpec({ scaling: { minReplicas: 2, maxReplicas: 10 } })).scaling;
const worker = (name: string, paused: boolean, inFlight = 0) => ({ worker: name, paused, inFlight, at: 0 });

describe('throughput over a window', () => {
  it('counts entries done as read minus pending', () => {
    const stats = { length: 9, lag: 3, pending: 4, oldestPendingSeconds: 0, deadLetters: 0, consumers: 1 };
    expect(doneCount({ ...stats, entriesRead: 10 })).toBe(6);
    expect(doneCount(stats)).toBeUndefined();
  });

  it('is the slope over the window, unknown over too short a span, restarted by a counter reset', () => {
    expect(throughputPerSecond([{ atMs: 0, done: 0 }])).toBeUndefined();
    expect(
      throughputPerSecond([
        { atMs: 0, done: 0 },
        { atMs: 1000, done: 50 },
      ]),
    ).toBeUndefined();
    expect(
      throughputPerSecond([
        { atMs: 0, done: 0 },
        { atMs: 10_000, done: 50 },
      ]),
    ).toBe(5);
    // Older than the window: ignored.
    const samples = [
      { atMs: 0, done: 0 },
      { atMs: 200_000, done: 1000 },
      { atMs: 260_000, done: 1600 },
    ];
    expect(throughputPerSecond(samples, 120_000)).toBe(10);
    // The group was recreated: its counter started again.
    const reset = [
      { atMs: 0, done: 900 },
      { atMs: 10_000, done: 10 },
      { atMs: 20_000, done: 30 },
    ];
    expect(throughputPerSecond(reset)).toBe(2);
    // A burst after an idle minute: the rate of the busy span, not diluted by the idle one.
    const burst = [
      { atMs: 0, done: 100, outstanding: 0 },
      { atMs: 60_000, done: 100, outstanding: 0 },
      { atMs: 70_000, done: 150, outstanding: 900 },
      { atMs: 80_000, done: 250, outstanding: 800 },
    ];
    expect(throughputPerSecond(burst)).toBe(10);
    // Busy samples spanning too little: the idle one before them still counts.
    expect(throughputPerSecond(burst.slice(0, 3))).toBe(5);
  });

  it('keeps per-bot samples and drops the ones the window no longer needs', () => {
    const window = new ThroughputWindow(60_000);
    expect(window.add('a/b', { atMs: 0, done: 0 })).toBeUndefined();
    expect(window.add('a/b', { atMs: 30_000, done: 300 })).toBe(10);
    expect(window.add('a/c', { atMs: 30_000, done: 5 })).toBeUndefined();
    expect(window.add('a/b', { atMs: 120_000, done: 600 })).toBe(300 / 90);
    expect(window.rate('a/b')).toBe(300 / 90);
  });
});

describe('backlog figures', () => {
  it('estimates the drain time at the current rate, unknown while nothing is done', () => {
    expect(drainSeconds(0, undefined)).toBe(0);
    expect(drainSeconds(100, 0)).toBeUndefined();
    expect(drainSeconds(100, undefined)).toBeUndefined();
    expect(drainSeconds(101, 4)).toBe(26);
  });

  it('writes durations the way kubectl does', () => {
    expect(shortDuration(0)).toBe('0s');
    expect(shortDuration(59)).toBe('59s');
    expect(shortDuration(250)).toBe('4m10s');
    expect(shortDuration(7500)).toBe('2h05m');
    expect(shortDuration(3 * 86400 + 4 * 3600)).toBe('3d04h');
  });

  it('calls for outstanding / target replicas, rounded up, and rounds rates to two digits', () => {
    expect(queueReplicas(0, 100)).toBe(0);
    expect(queueReplicas(1401, 100)).toBe(15);
    expect(queueReplicas(50, 0)).toBeUndefined();
    expect(roughly(12.345)).toBe(12);
    expect(roughly(0.01234)).toBe(0.012);
  });
});

describe('which limit bound the worker count', () => {
  const hpa = (desired: number, conditions: { type: string; status: string; reason: string }[] = []) =>
    ({
      status: { desiredReplicas: desired, currentReplicas: desired, conditions },
    }) as V2HorizontalPodAutoscaler;

  it('names maxReplicas when the queue calls for more', () => {
    const bound = scalingBound({ scaling, queueMetric: true, queueReplicas: 14, hpa: hpa(10) });
    expect(bound.limitedBy).toBe('MaxReplicas');
    expect(bound.message).toMatch(/calls for 14 workers.*set 10.*maxReplicas 10/);
  });

  it('names the shard count when maxReplicas is above it and the queue calls for more (#13)', () => {
    const wide = { ...scaling, maxReplicas: 10 };
    const bound = scalingBound({
      scaling: wide,
      shards: 4,
      queueMetric: true,
      queueReplicas: 14,
      hpa: hpa(10),
    });
    expect(bound.limitedBy).toBe('ShardCount');
    expect(bound.message).toMatch(/calls for 14 workers.*set 10.*only 4 warehouse shards/);
    // maxReplicas at or below the shard count binds first; a queue within the shard count is the queue.
    expect(
      scalingBound({ scaling: wide, shards: 12, queueMetric: true, queueReplicas: 14, hpa: hpa(10) })
        .limitedBy,
    ).toBe('MaxReplicas');
    expect(
      scalingBound({ scaling: wide, shards: 4, queueMetric: true, queueReplicas: 3, hpa: hpa(3) }).limitedBy,
    ).toBe('QueueLag');
  });

  it('names CPU when the autoscaler set more than the queue calls for', () => {
    expect(scalingBound({ scaling, queueMetric: true, queueReplicas: 3, hpa: hpa(6) }).limitedBy).toBe('CPU');
    // Without the queue metric the HPA scales on CPU alone.
    expect(scalingBound({ scaling, queueMetric: false, queueReplicas: 6, hpa: hpa(4) }).limitedBy).toBe(
      'CPU',
    );
  });

  it('names the queue, the floor, the scale-in window, a hold', () => {
    expect(scalingBound({ scaling, queueMetric: true, queueReplicas: 5, hpa: hpa(5) }).limitedBy).toBe(
      'QueueLag',
    );
    expect(scalingBound({ scaling, queueMetric: true, queueReplicas: 0, hpa: hpa(2) }).limitedBy).toBe(
      'MinReplicas',
    );
    const stabilized = hpa(6, [{ type: 'AbleToScale', status: 'True', reason: 'ScaleDownStabilized' }]);
    expect(scalingBound({ scaling, queueMetric: true, queueReplicas: 3, hpa: stabilized }).limitedBy).toBe(
      'ScaleDownStabilization',
    );
    const held = scalingBound({
      scaling,
      queueMetric: true,
      queueReplicas: 9,
      hpa: hpa(4),
      heldReplicas: 4,
      heldBecause: 'IntakePaused',
    });
    expect(held).toEqual({ limitedBy: 'Held', message: expect.stringMatching(/held at 4.*IntakePaused/) });
  });
});

describe('replica hold', () => {
  const previous: InventoryBotStatus = { replicas: 6, desiredReplicas: 6 };

  it('holds the replicas running when the queue became unreadable, and keeps that figure', () => {
    const hold = replicaHold({ scaling, previous, queueError: 'connection refused' });
    expect(hold).toMatchObject({ replicas: 6, cause: 'QueueUnreadable' });
    expect(hold?.message).toMatch(/connection refused/);
    // Later rounds keep the held figure even though the pods counted meanwhile changed.
    const later = replicaHold({
      scaling,
      previous: { replicas: 2, autoscaling: { heldReplicas: 6 } },
      queueError: 'timeout',
    });
    expect(later?.replicas).toBe(6);
  });

  it('uses the configured fallback, clamped to the bounds', () => {
    const withFallback = { ...scaling, fallbackReplicas: 40 };
    expect(replicaHold({ scaling: withFallback, previous, queueError: 'x' })?.replicas).toBe(10);
    expect(
      replicaHold({ scaling: { ...scaling, fallbackReplicas: 3 }, previous, queueError: 'x' })?.replicas,
    ).toBe(3);
    expect(replicaHold({ scaling, previous: undefined, queueError: 'x' })?.replicas).toBe(2);
  });

  it('holds while every worker has paused intake, not while only some have or none report', () => {
    expect(replicaHold({ scaling, previous, workers: [worker('a', true), worker('b', true)] })).toMatchObject(
      {
        cause: 'IntakePaused',
        replicas: 6,
      },
    );
    expect(replicaHold({ scaling, previous, workers: [worker('a', true), worker('b', false)] })).toBeNull();
    expect(replicaHold({ scaling, previous, workers: [] })).toBeNull();
  });

  it('raises the autoscaler floor to the held replicas, within maxReplicas', () => {
    const bot = sampleBot({ scaling: { minReplicas: 2, maxReplicas: 10 } });
    expect(desiredHorizontalPodAutoscaler(bot, { externalMetrics: true }).spec?.minReplicas).toBe(2);
    expect(
      desiredHorizontalPodAutoscaler(bot, { externalMetrics: true, heldReplicas: 6 }).spec?.minReplicas,
    ).toBe(6);
    expect(
      desiredHorizontalPodAutoscaler(bot, { externalMetrics: true, heldReplicas: 60 }).spec?.minReplicas,
    ).toBe(10);
  });
});

describe('the queue figure served to the HPA', () => {
  it('is lag + pending normally', () => {
    expect(
      servedFigure({ perReplica: 100, reading: { outstanding: 730, workers: [worker('a', false)] } }),
    ).toEqual({
      value: 730,
    });
  });

  it('keeps the worker count while every worker has paused intake', () => {
    const reading = { outstanding: 5000, workers: [worker('a', true), worker('b', true), worker('c', true)] };
    expect(servedFigure({ perReplica: 100, reading })).toEqual({ value: 300, held: 'IntakePaused' });
  });

  it('holds the fallback, else the last figure, when the queue cannot be read; fails with neither', () => {
    expect(servedFigure({ perReplica: 100, fallbackReplicas: 4, lastServed: 900, error: 'down' })).toEqual({
      value: 400,
      held: 'QueueUnreadable',
    });
    expect(servedFigure({ perReplica: 100, lastServed: 900, error: 'down' })).toEqual({
      value: 900,
      held: 'QueueUnreadable',
    });
    expect(servedFigure({ perReplica: 100, error: 'down' })).toBeUndefined();
  });
});

describe('worker presence records', () => {
  it('reads fresh, well-formed records and skips stale or garbled ones', () => {
    const now = 1_000_000;
    const records = decodePresence(
      {
        'pod-b': encodePresence({ inFlight: 2, paused: false, at: now - 1000 }),
        'pod-a': encodePresence({ inFlight: 0, paused: true, at: now }),
        'pod-old': encodePresence({ inFlight: 1, paused: false, at: now - PRESENCE_STALE_MS - 1 }),
        'pod-bad': '{"inFlight":-1}',
        'pod-junk': 'not json',
      },
      now,
    );
    expect(records.map((r) => [r.worker, r.inFlight, r.paused])).toEqual([
      ['pod-a', 0, true],
      ['pod-b', 2, false],
    ]);
  });
});

describe('status.autoscaling and the ScalingHeld condition', () => {
  const base = {
    generation: 1,
    deployment: undefined,
    problems: [],
    now: new Date('2030-01-01T00:00:00Z'),
  };
  const hpa = { status: { desiredReplicas: 10, currentReplicas: 10 } } as V2HorizontalPodAutoscaler;

  it('reports what the queue calls for against what the autoscaler set', () => {
    const status = computeStatus({
      ...base,
      previous: undefined,
      horizontalPodAutoscaler: hpa,
      queue: { outstanding: 1400, eta: '2m00s', drainSeconds: 120 },
      autoscaling: { scaling, queueMetric: true, hold: null },
    });
    expect(status.autoscaling).toMatchObject({
      queueReplicas: 14,
      autoscalerReplicas: 10,
      limitedBy: 'MaxReplicas',
    });
    expect(status.conditions?.find((c) => c.type === CONDITION_TYPES.scalingHeld)).toMatchObject({
      status: 'False',
      reason: 'ScalingOnQueue',
    });
  });

  it('sets the condition and the held figure while held, and the events say when it starts and ends', () => {
    const before = computeStatus({
      ...base,
      previous: undefined,
      horizontalPodAutoscaler: hpa,
      autoscaling: { scaling, queueMetric: true, hold: null },
    });
    const hold = replicaHold({ scaling, previous: { replicas: 7 }, queueError: 'ECONNREFUSED' });
    const held = computeStatus({
      ...base,
      previous: before,
      horizontalPodAutoscaler: hpa,
      autoscaling: { scaling, queueMetric: true, hold },
    });
    expect(held.autoscaling).toMatchObject({ heldReplicas: 7, limitedBy: 'Held' });
    expect(held.conditions?.find((c) => c.type === CONDITION_TYPES.scalingHeld)).toMatchObject({
      status: 'True',
      reason: 'QueueUnreadable',
    });
    expect(scalingHeldEvent(before, held)).toMatchObject({ type: 'Warning', reason: 'ScalingHeld' });
    expect(scalingHeldEvent(held, held)).toBeUndefined();
    const after = computeStatus({
      ...base,
      previous: held,
      horizontalPodAutoscaler: hpa,
      autoscaling: { scaling, queueMetric: true, hold: null },
    });
    expect(after.autoscaling?.heldReplicas).toBeUndefined();
    expect(scalingHeldEvent(held, after)).toMatchObject({ type: 'Normal', reason: 'ScalingResumed' });
  });
});

describe('scale to zero', () => {
  const sleepy = { ...scaling, idleReplicas: 0, idleSeconds: 300 };
  const t = Date.parse('2030-01-01T00:00:00Z');

  it('never sleeps unless idleReplicas is 0', () => {
    expect(sleepState({ scaling, previous: undefined, outstanding: 0, nowMs: t })).toEqual({ asleep: false });
  });

  it('starts the idle clock on an empty queue and sleeps once it has run idleSeconds', () => {
    const first = sleepState({ scaling: sleepy, previous: undefined, outstanding: 0, nowMs: t });
    expect(first).toMatchObject({ asleep: false, idleSince: '2030-01-01T00:00:00Z', recheckMs: 300_000 });
    const early = sleepState({
      scaling: sleepy,
      previous: { idleSince: first.idleSince },
      outstanding: 0,
      nowMs: t + 299_000,
    });
    expect(early).toMatchObject({ asleep: false, recheckMs: WAKE_POLL_MS });
    expect(early.transition).toBeUndefined();
    const asleep = sleepState({
      scaling: sleepy,
      previous: { idleSince: first.idleSince },
      outstanding: 0,
      nowMs: t + 300_000,
    });
    expect(asleep).toMatchObject({ asleep: true, transition: 'sleep', recheckMs: WAKE_POLL_MS });
    expect(asleep.message).toMatch(/empty with nothing pending for 300s/);
  });

  it('resets the idle clock when work arrives, and wakes a sleeping bot at the first batch', () => {
    const busy = sleepState({
      scaling: sleepy,
      previous: { idleSince: '2029-12-31T00:00:00Z' },
      outstanding: 3,
      nowMs: t,
    });
    expect(busy).toEqual({ asleep: false });
    const wake = sleepState({
      scaling: sleepy,
      previous: { asleep: true, idleSince: 'x' },
      outstanding: 1,
      nowMs: t,
    });
    expect(wake).toMatchObject({
      asleep: false,
      transition: 'wake',
      message: expect.stringMatching(/1 batch arrived/),
    });
    // Still empty: sleeps on, polled quickly.
    expect(
      sleepState({ scaling: sleepy, previous: { asleep: true, idleSince: 'x' }, outstanding: 0, nowMs: t }),
    ).toMatchObject({ asleep: true, recheckMs: WAKE_POLL_MS });
  });

  it('sleeps on while the queue cannot be read, and wakes when scale to zero is switched off', () => {
    expect(
      sleepState({
        scaling: sleepy,
        previous: { asleep: true, idleSince: 'x' },
        outstanding: undefined,
        nowMs: t,
      }),
    ).toMatchObject({ asleep: true });
    expect(sleepState({ scaling, previous: { asleep: true }, outstanding: 0, nowMs: t })).toMatchObject({
      asleep: false,
      transition: 'wake',
    });
  });

  it('a sleeping bot at 0 replicas is Ready with reason Asleep', () => {
    const zero = {
      metadata: { name: 'shop', generation: 2 },
      spec: { replicas: 0, selector: {}, template: {} },
      status: { observedGeneration: 2 },
    };
    const status = computeStatus({
      generation: 1,
      previous: undefined,
      deployment: zero,
      horizontalPodAutoscaler: undefined,
      problems: [],
      now: new Date(t),
      autoscaling: {
        scaling: sleepy,
        queueMetric: false,
        hold: null,
        sleep: { asleep: true, idleSince: 'x' },
      },
    });
    expect(status.conditions?.find((c) => c.type === CONDITION_TYPES.ready)).toMatchObject({
      status: 'True',
      reason: 'Asleep',
    });
    expect(status.autoscaling).toMatchObject({ asleep: true, limitedBy: 'Asleep' });
  });
});

describe('pod-deletion-cost from the workers busy figures', () => {
  const pod = (name: string, cost?: string, deleting = false): V1Pod => ({
    metadata: {
      name,
      ...(cost === undefined ? {} : { annotations: { [DELETION_COST_ANNOTATION]: cost } }),
      ...(deleting ? { deletionTimestamp: new Date() } : {}),
    },
  });

  it('sets each pod to its batches in flight, removes it without a record, and skips unchanged or leaving pods', () => {
    const changes = deletionCostChanges(
      [pod('a'), pod('b', '2'), pod('c', '5'), pod('d', '1'), pod('e', undefined, true)],
      [worker('a', false, 4), worker('b', false, 2), worker('c', false, 0), worker('e', false, 9)],
    );
    expect(changes).toEqual([
      { pod: 'a', cost: '4' },
      { pod: 'c', cost: '0' },
      { pod: 'd', cost: undefined },
    ]);
  });

  it("changes nothing with scaleInOrder ReplicaSet: the annotation is left to the ReplicaSet's order or the user", () => {
    const pods = [pod('a'), pod('b', '7')];
    const workers = [worker('a', false, 4), worker('b', false, 0)];
    expect(deletionCostChanges(pods, workers, 'ReplicaSet')).toEqual([]);
    expect(deletionCostChanges(pods, workers, 'IdleFirst')).toHaveLength(2);
  });
});
