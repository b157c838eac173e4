// When the operator holds the worker count (#15): while the queue cannot be read (the queue metric
// would fail or, in KEDA's words, "fall back") and while every worker has paused intake because no
// upstream can take calls (more workers would only pause too). The hold raises the autoscaler's floor
// to the replicas running when it began (or spec.scaling.fallbackReplicas), so CPU can still scale
// out but nothing collapses to minReplicas; it is kept in status so it survives an operator restart.
import type { InventoryBotSpec, InventoryBotStatus } from '../../api/inventory-bot.ts';
import type { WorkerPresence } from '../../contracts/worker-presence.ts';

export const HOLD_CAUSES = { queueUnreadable: 'QueueUnreadable', intakePaused: 'IntakePaused' } as const;
export type HoldCause = (typeof HOLD_CAUSES)[keyof typeof HOLD_CAUSES];

export interface Hold {
  replicas: number;
  cause: HoldCause;
  message: string;
}

export interface HoldInput {
  scaling: InventoryBotSpec['scaling'];
  previous: InventoryBotStatus | undefined;
  /** This round's queue read: the reason it failed, or the workers' presence records. */
  queueError?: string;
  workers?: ReadonlyArray<WorkerPresence>;
}

/** Intake is paused when every worker that reports says so (an outage pauses them all within seconds). */
export function intakePaused(workers: ReadonlyArray<WorkerPresence> | undefined): boolean {
  return !!workers && workers.length > 0 && workers.every((w) => w.paused);
}

/** The hold to apply this round; null: none. */
export function replicaHold(input: HoldInput): Hold | null {
  const { scaling, previous } = input;
  const cause =
    input.queueError !== undefined
      ? HOLD_CAUSES.queueUnreadable
      : intakePaused(input.workers)
        ? HOLD_CAUSES.intakePaused
        : undefined;
  if (!cause) return null;
  const floor = Math.max(1, scaling.minReplicas);
  const start =
    previous?.autoscaling?.heldReplicas ??
    scaling.fallbackReplicas ??
    (previous?.replicas || previous?.desiredReplicas || floor);
  const replicas = Math.min(scaling.maxReplicas, Math.max(floor, start));
  const message =
    cause === HOLD_CAUSES.queueUnreadable
      ? `the queue cannot be read (${input.queueError}): holding at least ${replicas} workers`
      : `every worker has paused intake (no upstream can take calls): holding ${replicas} workers, more would only wait`;
  return { replicas, cause, message };
}

/** The HPA floor with a hold: never below minReplicas, never above maxReplicas. */
export function heldMinReplicas(
  scaling: InventoryBotSpec['scaling'],
  heldReplicas: number | undefined,
): number {
  const floor = Math.max(1, scaling.minReplicas);
  return heldReplicas === undefined ? floor : Math.min(scaling.maxReplicas, Math.max(floor, heldReplicas));
}
