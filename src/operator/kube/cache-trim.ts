// What the operator's caches keep of an object (#14: 1,000 bots' objects held in memory). managedFields
// are most of a small object's size; the operator reads only its own Apply entry (apply-decision.ts
// needs it to see a field it stopped rendering), and nothing of other managers'. The client-side
// apply annotation of kubectl is a full copy of the object: dropped too. Trimmed in place (the
// informer's cache holds the same object), and without `delete` on the objects it keeps (#14: a
// deleted property turns a V8 object into a hash table, ~600 bytes more for a pod or its metadata;
// a field set to undefined keeps its compact layout, and JSON leaves it out alike).
import type { KubernetesObject, V1ManagedFieldsEntry, V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../api/names.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Stands for the object's controller owner uid in a cached field set. JSON.stringify escapes U+0001,
 * so the marker never occurs in a field set's JSON: taking the uid out and putting it back is exact.
 */
const OWNER_UID = '\u0001owner-uid\u0001';

/**
 * Owned objects: keep our own Apply entry only, one shared copy per distinct entry (#14). Its field set
 * is kept as one JSON string (parsed, it is an object per field, dozens per cached object; apply-
 * decision.ts parses it when it needs it), with the owner reference's uid, the one part that differs
 * from bot to bot (`k:{"uid":"…"}` under f:ownerReferences), taken out: 1,000 bots' Deployments then
 * share one entry instead of holding 1,000 strings of ~2.7 KB (~4.5 MiB for the five kinds). The
 * entry's `time` is dropped (never read).
 */
export function keepOwnManagedFields(object: KubernetesObject): void {
  const metadata = object.metadata;
  if (!metadata) return;
  if (metadata.managedFields) {
    const owner = controllerUid(metadata);
    metadata.managedFields = metadata.managedFields
      .filter((entry) => entry.manager === FIELD_MANAGER && entry.operation === 'Apply' && !entry.subresource)
      .map((entry) => sharedEntry(entry, owner));
  }
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) delete metadata.annotations[LAST_APPLIED];
}

/**
 * The field set of a cached managedFields entry as JSON, as the API server sent it: the owner uid
 * put back. `object` is the cached object the entry belongs to.
 */
export function fieldSetJson(object: KubernetesObject, fieldsV1: string): string {
  if (!fieldsV1.includes(OWNER_UID)) return fieldsV1;
  const owner = controllerUid(object.metadata);
  // Without it the marker stays, and JSON.parse refuses the raw control character: an apply, never a skip.
  return owner ? fieldsV1.replaceAll(OWNER_UID, owner) : fieldsV1;
}

function controllerUid(metadata: V1ObjectMeta | undefined): string | undefined {
  return metadata?.ownerReferences?.find((ref) => ref.controller)?.uid || undefined;
}

/**
 * Entries seen, by their JSON. Frozen: many cached objects hold the same one. Bounded: past the
 * limit, new entries are kept unshared.
 */
const entries = new Map<string, V1ManagedFieldsEntry>();
const MAX_SHARED_ENTRIES = 1000;

function sharedEntry(entry: V1ManagedFieldsEntry, owner: string | undefined): V1ManagedFieldsEntry {
  // A string field set: shared already (a re-list replays the cache's objects).
  if (typeof entry.fieldsV1 !== 'object' || entry.fieldsV1 === null) return entry;
  const json = JSON.stringify(entry.fieldsV1);
  const compact: V1ManagedFieldsEntry = {
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    fieldsType: entry.fieldsType,
    fieldsV1: (owner ? json.replaceAll(owner, OWNER_UID) : json) as never,
  };
  const key = JSON.stringify(compact);
  const known = entries.get(key);
  if (known) return known;
  Object.freeze(compact);
  if (entries.size < MAX_SHARED_ENTRIES) entries.set(key, compact);
  return compact;
}

/** Objects whose managedFields the operator never reads. */
export function dropManagedFields(object: KubernetesObject): void {
  const metadata = object.metadata;
  if (!metadata) return;
  if (metadata.managedFields) metadata.managedFields = undefined;
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
  if (pod.spec) pod.spec = undefined;
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
  if (bot.spec !== undefined) bot.spec = undefined;
  if (bot.status !== undefined) bot.status = undefined;
}
