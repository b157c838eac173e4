import type { V1Deployment, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { REASONS } from '../../../src/api/names.ts';
import { setCondition } from '../../../src/operator/conditions.ts';
import { computeStatus, statusChanged, type Observations } from '../../../src/operator/status.ts';
import { autoscalerProblems, podProblems } from '../../../src/operator/workload-problems.ts';

const t0 = new Date('2026-11-23T10:00:00.123Z');
const t1 = new Date('2026-11-23T10:05:00.000Z');

function deployment(replicas: number, ready: number, updated = replicas): V1Deployment {
  return {
    metadata: { name: 'shop', generation: 2 },
    spec: { replicas, selector: {}, template: {} },
    status: {
      observedGeneration: 2,
      replicas,
      updatedReplicas: updated,
      availableReplicas: ready,
      readyReplicas: ready,
    },
  };
}

function observe(overrides: Partial<Observations>): Observations {
  return {
    generation: 3,
    previous: undefined,
    deployment: deployment(2, 2),
    horizontalPodAutoscaler: undefined,
    problems: [],
    now: t0,
    ...overrides,
  };
}

const pod = (
  name: string,
  waiting: string,
  extra: Partial<V1Pod['status']> = {},
  image = 'ghcr.io/x/bot:9',
): V1Pod => ({
  metadata: { name },
  status: {
    containerStatuses: [
      {
        name: 'worker',
        image,
        imageID: '',
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: waiting } },
        ...extra,
      },
    ],
  } as V1Pod['status'],
});

describe('computeStatus', () => {
  it('is Ready, not Progressing, not Degraded once every wanted worker is ready', () => {
    const status = computeStatus(observe({}));
    expect(status).toMatchObject({
      observedGeneration: 3,
      replicas: 2,
      readyReplicas: 2,
      desiredReplicas: 2,
    });
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({
      status: 'True',
      reason: REASONS.workersReady,
      message: '2/2 workers ready',
      observedGeneration: 3,
    });
    expect(byType.Progressing).toMatchObject({ status: 'False', reason: REASONS.rolloutComplete });
    expect(byType.Degraded).toMatchObject({ status: 'False', reason: REASONS.asExpected });
    expect(byType.Ready?.lastTransitionTime).toBe('2026-11-23T10:00:00Z');
  });

  it('is Progressing and not Ready during a rollout', () => {
    const status = computeStatus(observe({ deployment: deployment(3, 1, 1) }));
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({
      status: 'False',
      reason: REASONS.workersNotReady,
      message: '1/3 workers ready',
    });
    expect(byType.Progressing).toMatchObject({ status: 'True', reason: REASONS.rollingOut });
  });

  it('reports the first problem as the Degraded reason and every message', () => {
    const status = computeStatus(
      observe({
        problems: [
          { reason: REASONS.secretNotFound, message: 'Secret redis not found (spec.queue.redis.secretRef)' },
          { reason: REASONS.autoscalerUnableToScale, message: 'autoscaler shop cannot scale' },
        ],
      }),
    );
    const degraded = status.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: REASONS.secretNotFound });
    expect(degraded?.message).toBe(
      'Secret redis not found (spec.queue.redis.secretRef); autoscaler shop cannot scale',
    );
  });

  it('takes desired replicas from the HPA once it has computed, from the Deployment before', () => {
    const hpa = (desiredReplicas: number): V2HorizontalPodAutoscaler => ({
      spec: { maxReplicas: 9, scaleTargetRef: { kind: 'Deployment', name: 'shop' } },
      status: { currentReplicas: 2, desiredReplicas },
    });
    expect(computeStatus(observe({ horizontalPodAutoscaler: hpa(0) })).desiredReplicas).toBe(2);
    expect(computeStatus(observe({ horizontalPodAutoscaler: hpa(7) })).desiredReplicas).toBe(7);
  });

  it('keeps lastTransitionTime and writes nothing new when nothing changed', () => {
    const first = computeStatus(observe({}));
    const again = computeStatus(observe({ previous: first, now: t1 }));
    expect(statusChanged(first, again)).toBe(false);
    const flipped = computeStatus(observe({ previous: first, now: t1, deployment: deployment(2, 1) }));
    expect(statusChanged(first, flipped)).toBe(true);
    expect(flipped.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe(
      '2026-11-23T10:05:00Z',
    );
    expect(flipped.conditions?.find((c) => c.type === 'Degraded')?.lastTransitionTime).toBe(
      '2026-11-23T10:00:00Z',
    );
  });

  it('carries queue figures over when Redis did not answer this time', () => {
    const first = computeStatus(observe({ queue: { length: 5, lag: 3, pending: 2, deadLetters: 1 } }));
    expect(computeStatus(observe({ previous: first })).queue).toEqual({
      length: 5,
      lag: 3,
      pending: 2,
      deadLetters: 1,
    });
  });
});

describe('setCondition', () => {
  it('appends a new type and replaces an existing one in place', () => {
    const one = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, t0);
    const two = setCondition(one, { type: 'Degraded', status: 'False', reason: 'B', message: 'b' }, t0);
    const three = setCondition(two, { type: 'Ready', status: 'True', reason: 'C', message: 'c' }, t1);
    expect(three.map((c) => [c.type, c.status, c.lastTransitionTime])).toEqual([
      ['Ready', 'True', '2026-11-23T10:05:00Z'],
      ['Degraded', 'False', '2026-11-23T10:00:00Z'],
    ]);
  });
});

describe('workload problems', () => {
  it('groups image pull failures by image and names the fields to check', () => {
    const problems = podProblems([
      pod('shop-b', 'ImagePullBackOff'),
      pod('shop-a', 'ErrImagePull'),
      pod('shop-c', 'ContainerCreating'),
    ]);
    expect(problems).toEqual([
      {
        reason: REASONS.imagePullFailing,
        message:
          'cannot pull image ghcr.io/x/bot:9 for pods shop-a, shop-b: check spec.image.repository, spec.image.tag and spec.image.pullSecrets',
      },
    ]);
  });

  it('reports crash loops with the last exit code', () => {
    const crashing = pod('shop-a', 'CrashLoopBackOff', {});
    crashing.status!.containerStatuses![0]!.lastState = { terminated: { exitCode: 2, containerID: '' } };
    const [problem] = podProblems([crashing]);
    expect(problem).toEqual({
      reason: REASONS.podsCrashLooping,
      message: 'workers are crash looping: shop-a (exit code 2); see kubectl logs --previous',
    });
  });

  it('quotes the reason and the termination message of the last crash (#18)', () => {
    const crashing = pod('shop-a', 'CrashLoopBackOff', {});
    crashing.status!.containerStatuses![0]!.lastState = {
      terminated: {
        exitCode: 2,
        reason: 'Error',
        message: 'invalid worker configuration: upstream.primaryUrl: has a port outside 1-65535\n',
        containerID: '',
      },
    };
    const oom = pod('shop-b', 'CrashLoopBackOff', {});
    oom.status!.containerStatuses![0]!.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled' } };
    expect(podProblems([crashing, oom])).toEqual([
      {
        reason: REASONS.podsCrashLooping,
        message:
          'workers are crash looping: shop-a (exit code 2: invalid worker configuration: upstream.primaryUrl: has a port outside 1-65535), shop-b (exit code 137, OOMKilled); see kubectl logs --previous',
      },
    ]);
  });

  it("reports unschedulable pods with the scheduler's message (#18)", () => {
    const pending = (name: string): V1Pod => ({
      metadata: { name },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient memory.',
          },
        ],
      },
    });
    expect(podProblems([pending('shop-b'), pending('shop-a')])).toEqual([
      {
        reason: REASONS.podsUnschedulable,
        message:
          "pods shop-a, shop-b cannot be scheduled: 0/1 nodes are available: 1 Insufficient memory.; check spec.resources and the nodes' capacity",
      },
    ]);
  });

  it('ignores pods being deleted', () => {
    const leaving = pod('shop-a', 'ErrImagePull');
    leaving.metadata!.deletionTimestamp = t0;
    expect(podProblems([leaving])).toEqual([]);
  });

  it('reports an HPA that cannot scale, but not one that is merely disabled', () => {
    const hpa = (reason: string): V2HorizontalPodAutoscaler => ({
      metadata: { name: 'shop' },
      spec: { maxReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'shop' } },
      status: {
        desiredReplicas: 1,
        conditions: [{ type: 'ScalingActive', status: 'False', reason, message: 'no metrics' }],
      },
    });
    expect(autoscalerProblems(hpa('FailedGetResourceMetric'))).toEqual([
      {
        reason: REASONS.autoscalerUnableToScale,
        message: 'autoscaler shop cannot scale (ScalingActive=False, FailedGetResourceMetric): no metrics',
      },
    ]);
    expect(autoscalerProblems(hpa('ScalingDisabled'))).toEqual([]);
    expect(autoscalerProblems(undefined)).toEqual([]);
  });
});
