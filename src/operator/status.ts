// The InventoryBot status, from what the reconcile observed. Pure: the same observations give the
// same status (lastTransitionTime kept unless a condition flips), so a converged bot is not rewritten.
import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { Condition, InventoryBotSpec, InventoryBotStatus } from '../api/inventory-bot.ts';
import { CONDITION_TYPES, REASONS } from '../api/names.ts';
import { setCondition, type ConditionInput } from './conditions.ts';
import { queueReplicas } from './scaling/backlog-figures.ts';
import type { SleepState } from './scaling/idle-sleep.ts';
import type { Hold } from './scaling/replica-hold.ts';
import { scalingBound } from './scaling/scaling-bound.ts';
import type { Problem } from './workload-problems.ts';

export interface Observations {
  generation: number;
  previous: InventoryBotStatus | undefined;
  deployment: V1Deployment | undefined;
  horizontalPodAutoscaler: V2HorizontalPodAutoscaler | undefined;
  /** Most important first; the first one is the Degraded reason. */
  problems: Problem[];
  /** Queue figures read this time; undefined (Redis did not answer) keeps the previous ones. */
  queue?: InventoryBotStatus['queue'];
  /** What the autoscaling figures are computed from (#15); absent: the previous ones are kept. */
  autoscaling?: {
    scaling: InventoryBotSpec['scaling'];
    /** spec.queue.shards (0 or absent: not sharded). */
    shards?: number;
    /** The HPA has the queue metric (external metrics served, a lag target set). */
    queueMetric: boolean;
    /** The hold this round (null: none); undefined: the queue is not read, so no hold is decided. */
    hold?: Hold | null;
    /** Scale-to-zero state this round; undefined: kept as it was. */
    sleep?: SleepState;
  };
  now: Date;
}

export function rolloutComplete(deployment: V1Deployment | undefined): boolean {
  if (!deployment) return false;
  const status = deployment.status ?? {};
  const wanted = deployment.spec?.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= wanted &&
    (status.replicas ?? 0) === (status.updatedReplicas ?? 0) &&
    (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
  );
}

export function computeStatus(o: Observations): InventoryBotStatus {
  const replicas = o.deployment?.status?.replicas ?? 0;
  const readyReplicas = o.deployment?.status?.readyReplicas ?? 0;
  // An HPA reports 0 until its first computation (its minimum is at least 1): fall back to the Deployment.
  const desiredReplicas =
    o.horizontalPodAutoscaler?.status?.desiredReplicas || o.deployment?.spec?.replicas || 0;
  const wanted = o.deployment?.spec?.replicas ?? 1;
  const complete = rolloutComplete(o.deployment);
  // A bot asleep at zero (#15) is as it should be: Ready, with the reason saying it sleeps.
  const sleeping = (o.autoscaling?.sleep?.asleep ?? o.previous?.autoscaling?.asleep) === true && wanted === 0;
  const ready = complete && (sleeping || readyReplicas >= Math.max(1, wanted));
  const problem = o.problems[0];
  const observedGeneration = o.generation;

  // Ready, Progressing and Degraded, set in this order on every reconcile.
  const current: ConditionInput[] = [
    {
      type: CONDITION_TYPES.ready,
      status: ready ? 'True' : 'False',
      reason: sleeping && ready ? REASONS.asleep : ready ? REASONS.workersReady : REASONS.workersNotReady,
      message:
        sleeping && ready
          ? 'asleep at 0 workers: the first batch wakes the bot'
          : `${readyReplicas}/${wanted} workers ready`,
      observedGeneration,
    },
    {
      type: CONDITION_TYPES.progressing,
      status: complete ? 'False' : 'True',
      reason: complete ? REASONS.rolloutComplete : REASONS.rollingOut,
      message: complete
        ? `deployment ${o.deployment?.metadata?.name} is rolled out`
        : `rolling out: ${o.deployment?.status?.updatedReplicas ?? 0}/${wanted} updated, ${o.deployment?.status?.availableReplicas ?? 0} available`,
      observedGeneration,
    },
    {
      type: CONDITION_TYPES.degraded,
      status: problem ? 'True' : 'False',
      reason: problem ? problem.reason : REASONS.asExpected,
      message: problem ? o.problems.map((p) => p.message).join('; ') : 'no known problem',
      observedGeneration,
    },
  ];
  let conditions = current.reduce(
    (all, next) => setCondition(all, next, o.now),
    o.previous?.conditions ?? ([] as Condition[]),
  );

  // The status is applied whole, so figures not read this time are carried over rather than dropped.
  const queue = o.queue ?? o.previous?.queue;
  let autoscaling = o.previous?.autoscaling;
  if (o.autoscaling) {
    const { scaling, shards, queueMetric, hold, sleep } = o.autoscaling;
    const asleep = sleep ? sleep.asleep : o.previous?.autoscaling?.asleep === true;
    const idleSince = sleep ? sleep.idleSince : o.previous?.autoscaling?.idleSince;
    if (hold !== undefined) {
      conditions = setCondition(
        conditions,
        hold
          ? {
              type: CONDITION_TYPES.scalingHeld,
              status: 'True',
              reason: hold.cause,
              message: hold.message,
              observedGeneration,
            }
          : {
              type: CONDITION_TYPES.scalingHeld,
              status: 'False',
              reason: REASONS.scalingOnQueue,
              message: 'the queue is read and intake is open: the autoscaler decides',
              observedGeneration,
            },
        o.now,
      );
    }
    const heldReplicas = hold === undefined ? o.previous?.autoscaling?.heldReplicas : hold?.replicas;
    const wanted =
      queue?.outstanding === undefined
        ? undefined
        : queueReplicas(queue.outstanding, scaling.queueLagPerReplica);
    const bound = scalingBound({
      scaling,
      ...(shards === undefined ? {} : { shards }),
      queueMetric,
      queueReplicas: wanted,
      hpa: o.horizontalPodAutoscaler,
      asleep,
      ...(heldReplicas === undefined
        ? {}
        : { heldReplicas, heldBecause: findHeldReason(conditions) ?? 'fallback' }),
    });
    const autoscalerReplicas = o.horizontalPodAutoscaler?.status?.desiredReplicas;
    autoscaling = {
      ...(wanted === undefined ? {} : { queueReplicas: wanted }),
      ...(autoscalerReplicas ? { autoscalerReplicas } : {}),
      limitedBy: bound.limitedBy,
      message: bound.message,
      ...(heldReplicas === undefined ? {} : { heldReplicas }),
      ...(asleep ? { asleep } : {}),
      ...(idleSince ? { idleSince } : {}),
    };
  }
  return {
    observedGeneration,
    conditions,
    summary: summaryOf(conditions),
    replicas,
    readyReplicas,
    desiredReplicas,
    ...(queue ? { queue } : {}),
    ...(autoscaling ? { autoscaling } : {}),
  };
}

function findHeldReason(conditions: ReadonlyArray<Condition>): string | undefined {
  const held = conditions.find((c) => c.type === CONDITION_TYPES.scalingHeld);
  return held?.status === 'True' ? held.reason : undefined;
}

/**
 * The status after a reconcile that could not finish (#18): only Degraded changes, to the problems
 * met; Ready, replicas and queue figures stay what they were last observed (the workers may well be
 * running; it is the operator that cannot do its part).
 */
export function degradedStatus(
  previous: InventoryBotStatus | undefined,
  problems: Problem[],
  generation: number,
  now: Date,
): InventoryBotStatus {
  const [problem] = problems;
  const conditions = setCondition(
    previous?.conditions ?? [],
    problem
      ? {
          type: CONDITION_TYPES.degraded,
          status: 'True',
          reason: problem.reason,
          message: problems.map((p) => p.message).join('; '),
          observedGeneration: generation,
        }
      : {
          type: CONDITION_TYPES.degraded,
          status: 'False',
          reason: REASONS.asExpected,
          message: 'no known problem',
          observedGeneration: generation,
        },
    now,
  );
  return { ...previous, conditions, summary: summaryOf(conditions) };
}

/**
 * What `kubectl get ib` shows as STATUS (#14): the most important condition's reason. Degraded beats
 * Ready (a bot with ready workers but a missing Secret says SecretNotFound, not WorkersReady).
 */
export function summaryOf(conditions: ReadonlyArray<Condition>): string | undefined {
  const degraded = conditions.find((c) => c.type === CONDITION_TYPES.degraded);
  if (degraded?.status === 'True') return degraded.reason;
  return conditions.find((c) => c.type === CONDITION_TYPES.ready)?.reason;
}

/** Whether `next` differs from `previous` (key order independent). */
export function statusChanged(previous: InventoryBotStatus | undefined, next: InventoryBotStatus): boolean {
  return canonical(previous ?? {}) !== canonical(next);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}
