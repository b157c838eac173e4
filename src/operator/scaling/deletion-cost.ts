// Busy-aware scale-in (#15, kedacore/keda#157): a ReplicaSet removes the pods with the lowest
// controller.kubernetes.io/pod-deletion-cost first, so the operator keeps each worker pod's cost at
// the batches it has in flight (from the workers' presence records). Idle pods cost 0 and go first;
// a busy pod removed anyway stops reading and finishes its batches within the grace period. Pure: the
// annotations to change, given the pods and the records.
import type { V1Pod } from '@kubernetes/client-node';
import type { InventoryBotSpec } from '../../api/inventory-bot.ts';
import type { WorkerPresence } from '../../contracts/worker-presence.ts';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

export interface CostChange {
  pod: string;
  /** The new cost; undefined: remove the annotation (no record: the pod is not known busy). */
  cost: string | undefined;
}

/**
 * Costs that differ from what the pods carry; pods being deleted are left alone. With
 * spec.scaling.scaleInOrder ReplicaSet none: the annotation is the user's (or nobody's) to set.
 */
export function deletionCostChanges(
  pods: ReadonlyArray<V1Pod>,
  workers: ReadonlyArray<WorkerPresence>,
  order: InventoryBotSpec['scaling']['scaleInOrder'] = 'IdleFirst',
): CostChange[] {
  if (order !== 'IdleFirst') return [];
  const busy = new Map(workers.map((w) => [w.worker, w.inFlight]));
  const changes: CostChange[] = [];
  for (const pod of pods) {
    const name = pod.metadata?.name;
    if (!name || pod.metadata?.deletionTimestamp) continue;
    const inFlight = busy.get(name);
    const cost = inFlight === undefined ? undefined : String(inFlight);
    const current = pod.metadata?.annotations?.[DELETION_COST_ANNOTATION];
    if (current !== cost) changes.push({ pod: name, cost });
  }
  return changes;
}
