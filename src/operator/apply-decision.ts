// Whether a server-side apply of a desired object would change anything, decided from the live object
// (the informer cache's copy) alone. Pure: no I/O. Two checks, both needed:
//   1. desired ⊆ live: every field we render is present in the live object with an equal value
//      (drift, a spec change, a missing object all fail it);
//   2. every field our field manager owns in the live object (metadata.managedFields) is still
//      rendered: a field we stopped rendering (a removed env var, limit, metric...) is one the apply
//      would remove, which check 1 cannot see.
// The comparison is strict: values the API server normalizes (quantities such as "0.5" vs "500m",
// defaults filled in inside a list compared by position...) compare unequal, which only costs a
// harmless no-op apply, never a skipped one that was needed.
import type { KubernetesObject } from '@kubernetes/client-node';
import { fieldSetJson } from './kube/cache-trim.ts';

/** Lists matched by their elements' `name` (strategic-merge lists of the pod spec and Service). */
const NAMED_LISTS = new Set(['containers', 'initContainers', 'env', 'ports', 'volumes', 'volumeMounts']);

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * Why the desired object must be applied, or undefined when the apply would be a no-op.
 * `live` is the cached object (undefined: not in the cache, e.g. deleted or not watched).
 */
export function applyReason(
  desired: KubernetesObject,
  live: KubernetesObject | undefined,
  fieldManager: string,
): string | undefined {
  if (!live) return 'not in the cache';
  if (live.metadata?.deletionTimestamp) return 'being deleted';
  // Listed items carry no apiVersion and kind (watched ones do): the cache is per kind anyway.
  const { apiVersion: _apiVersion, kind: _kind, ...fields } = desired;
  const difference = firstDifference(fields, live);
  if (difference !== undefined) return `differs at ${difference || '(root)'}`;
  const applied = live.metadata?.managedFields?.filter(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && !entry.subresource,
  );
  if (applied?.length !== 1) return 'no managed fields of ours';
  const [entry] = applied;
  const owned = entry?.fieldsType === 'FieldsV1' ? fieldSet(entry.fieldsV1, live) : undefined;
  if (!owned) return 'unreadable managed fields';
  const stale = firstUncoveredField(owned, desired);
  return stale === undefined ? undefined : `owns a field no longer rendered: ${stale}`;
}

/**
 * A FieldsV1 set: as the API server sends it, or as the cache keeps it (a JSON string without the
 * owner uid, cache-trim.ts).
 */
function fieldSet(fieldsV1: unknown, live: KubernetesObject): JsonObject | undefined {
  if (isObject(fieldsV1)) return fieldsV1;
  if (typeof fieldsV1 !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(fieldSetJson(live, fieldsV1));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * desired ⊆ live: the path of the first desired value the live object lacks or holds differently,
 * or undefined when it holds them all. Undefined desired values are absent fields. Arrays have the
 * same length and match element-wise by position, or by `name` for NAMED_LISTS (desired elements
 * found among the live ones; extra live elements are someone else's).
 */
export function firstDifference(desired: Json, live: Json, path = ''): string | undefined {
  if (desired === undefined) return undefined;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return path;
    const field = path.slice(path.lastIndexOf('.') + 1);
    const byName = NAMED_LISTS.has(field) ? namedElements(desired) : undefined;
    if (byName) {
      const liveByName = namedElements(live);
      if (!liveByName) return path;
      for (const [name, element] of byName) {
        const found = firstDifference(element, liveByName.get(name), `${path}[${name}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (desired.length !== live.length) return path;
    for (let i = 0; i < desired.length; i++) {
      const found = firstDifference(desired[i], live[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isObject(desired)) {
    if (!isObject(live)) return path;
    for (const [key, value] of Object.entries(desired)) {
      const found = firstDifference(value, live[key], path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return desired === live ? undefined : path;
}

/** Elements by their unique string `name`, or undefined when some element has none or it repeats. */
function namedElements(list: readonly Json[]): Map<string, Json> | undefined {
  const byName = new Map<string, Json>();
  for (const element of list) {
    const name = isObject(element) ? element.name : undefined;
    if (typeof name !== 'string' || byName.has(name)) return undefined;
    byName.set(name, element);
  }
  return byName;
}

/**
 * Walks a managedFields FieldsV1 set (`f:field`, `k:{"key":value}`, `v:value`, `i:index`, `.`) over
 * the desired object: the first owned field the desired object does not render, or undefined.
 * A path element it cannot read counts as not rendered (an apply, never a wrong skip).
 */
export function firstUncoveredField(fields: JsonObject, desired: Json, path = ''): string | undefined {
  for (const [element, children] of Object.entries(fields)) {
    if (element === '.') continue;
    const here = `${path}/${element}`;
    const value = resolve(element, desired);
    if (value === undefined) return here;
    if (isObject(children)) {
      const found = firstUncoveredField(children, value, here);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function resolve(element: string, desired: Json): Json {
  const colon = element.indexOf(':');
  const kind = element.slice(0, colon);
  const rest = element.slice(colon + 1);
  if (kind === 'f') return isObject(desired) ? desired[rest] : undefined;
  if (!Array.isArray(desired)) return undefined;
  if (kind === 'i') return /^\d+$/.test(rest) ? desired[Number(rest)] : undefined;
  let parsed: Json;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (kind === 'v') return desired.find((item) => deepEqual(item, parsed));
  if (kind === 'k' && isObject(parsed)) {
    const keys = Object.entries(parsed);
    return desired.find((item) => isObject(item) && keys.every(([k, v]) => deepEqual(item[k], v)));
  }
  return undefined;
}

function deepEqual(a: Json, b: Json): boolean {
  return firstDifference(a, b) === undefined && firstDifference(b, a) === undefined;
}

/**
 * Whether the live object must be deleted and created anew because the apply would change a field
 * the API server never lets change: a Service's clusterIP (metrics Services became headless, #18).
 */
export function mustReplace(desired: KubernetesObject, live: KubernetesObject | undefined): boolean {
  if (!live || desired.kind !== 'Service') return false;
  const want = (desired as { spec?: { clusterIP?: string } }).spec?.clusterIP;
  const have = (live as { spec?: { clusterIP?: string } }).spec?.clusterIP;
  return want !== undefined && have !== undefined && have !== '' && want !== have;
}
