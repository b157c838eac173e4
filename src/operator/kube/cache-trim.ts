// What the operator's caches keep of an object (#14: 1,000 bots' objects held in memory). managedFields
// are most of a small object's size; the operator reads only its own Apply entry (apply-decision.ts
// needs it to see a field it stopped rendering), and nothing of other managers'. The client-side
// apply annotation of kubectl is a full copy of the object: dropped too. Trimmed in place.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../api/names.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Owned objects: keep our own Apply entry only, its field set as one JSON string (#14: parsed, a
 * field set is an object per field, most of them empty: dozens of small objects per cached object,
 * ~10 MiB at 1,000 bots; apply-decision.ts parses it when it needs it).
 */
export function keepOwnManagedFields(object: KubernetesObject): void {
  const metadata = object.metadata;
  if (!metadata) return;
  if (metadata.managedFields) {
    metadata.managedFields = metadata.managedFields.filter(
      (entry) => entry.manager === FIELD_MANAGER && entry.operation === 'Apply' && !entry.subresource,
    );
    for (const entry of metadata.managedFields) {
      if (typeof entry.fieldsV1 === 'object')
        entry.fieldsV1 = sharedFieldSet(JSON.stringify(entry.fieldsV1)) as never;
    }
  }
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) delete metadata.annotations[LAST_APPLIED];
}

/**
 * Field sets seen, by their JSON: bots rendered alike own the same fields (names and list keys, not
 * values), so 1,000 Deployments share a few copies. Bounded: past the limit, new sets are kept as is.
 */
const fieldSets = new Map<string, string>();
const MAX_SHARED_FIELD_SETS = 1000;

/** The one shared copy of a field set's JSON. */
export function sharedFieldSet(json: string): string {
  const known = fieldSets.get(json);
  if (known !== undefined) return known;
  if (fieldSets.size < MAX_SHARED_FIELD_SETS) fieldSets.set(json, json);
  return json;
}

/** Objects whose managedFields the operator never reads. */
export function dropManagedFields(object: KubernetesObject): void {
  const metadata = object.metadata;
  if (!metadata) return;
  delete metadata.managedFields;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) delete metadata.annotations[LAST_APPLIED];
}

/**
 * Whether a bot's update can change what the operator does: a new generation (spec) or deletion.
 * A status-only update (the operator's own status writes, #14) cannot.
 */
export function botChangeMatters(previous: KubernetesObject, next: KubernetesObject): boolean {
  return (
    previous.metadata?.generation !== next.metadata?.generation ||
    previous.metadata?.uid !== next.metadata?.uid ||
    String(previous.metadata?.deletionTimestamp ?? '') !== String(next.metadata?.deletionTimestamp ?? '')
  );
}

/**
 * Worker pods: only what the operator reads of them (#14: a pod's spec and most of its status are
 * several kilobytes a pod, never read): metadata without managedFields, the PodScheduled condition and
 * the containers' image and states (workload-problems.ts).
 */
export function trimPod(object: KubernetesObject): void {
  dropManagedFields(object);
  const pod = object as V1Pod;
  delete (pod as { spec?: unknown }).spec;
  const status = pod.status;
  if (!status) return;
  pod.status = {
    conditions: status.conditions?.filter((c) => c.type === 'PodScheduled'),
    containerStatuses: status.containerStatuses?.map(
      ({ name, image, imageID, ready, restartCount, state, lastState }) => ({
        name,
        image,
        imageID,
        ready,
        restartCount,
        state,
        lastState,
      }),
    ),
  };
}

/**
 * InventoryBots: metadata only (#14), once a reconcile has taken the generation (unread-bots.ts); the
 * cache then only wakes it (generation, uid, deletion) and names the bot in events.
 */
export function trimBot(object: KubernetesObject): void {
  dropManagedFields(object);
  const bot = object as { spec?: unknown; status?: unknown };
  delete bot.spec;
  delete bot.status;
}
