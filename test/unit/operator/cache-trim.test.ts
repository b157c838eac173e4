// #14: what the caches keep (and how compactly), and which bot updates wake a reconcile.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FIELD_MANAGER, REASONS } from '../../../src/api/names.ts';
import { applyReason } from '../../../src/operator/apply-decision.ts';
import {
  botChangeMatters,
  dropManagedFields,
  fieldSetJson,
  keepOwnManagedFields,
  trimBot,
  trimPod,
} from '../../../src/operator/kube/cache-trim.ts';
import { podProblems } from '../../../src/operator/workload-problems.ts';

const entry = (manager: string, operation = 'Apply', subresource?: string) => ({
  manager,
  operation,
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': { 'f:a': {} } },
  ...(subresource ? { subresource } : {}),
});

it("keeps only the operator's own Apply entry and drops kubectl's last-applied copy", () => {
  const object: KubernetesObject & { data: Record<string, string> } = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'shop-config',
      namespace: 'stores',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"copy"}', keep: 'me' },
      managedFields: [
        entry(FIELD_MANAGER),
        entry('kubectl-edit', 'Update'),
        entry(FIELD_MANAGER, 'Update', 'status'),
      ],
    },
    data: { a: '1' },
  };
  keepOwnManagedFields(object);
  // Its field set kept as one JSON string (#14: not an object per field).
  expect(object.metadata?.managedFields).toEqual([
    { ...entry(FIELD_MANAGER), fieldsV1: JSON.stringify(entry(FIELD_MANAGER).fieldsV1) },
  ]);
  expect(object.metadata?.annotations).toEqual({ keep: 'me' });
  // What the apply decision needs is still there: an unchanged object is still skipped.
  const desired = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shop-config', namespace: 'stores' },
    data: { a: '1' },
  };
  expect(applyReason(desired, object, FIELD_MANAGER)).toBeUndefined();
  // ...and a field we own but no longer render is still seen in the string form.
  const withoutA = { ...desired, data: { b: '2' } } as KubernetesObject;
  expect(applyReason(withoutA, object, FIELD_MANAGER)).toBe('differs at data.b');
  object.data = { a: '1', b: '2' };
  expect(applyReason(withoutA, object, FIELD_MANAGER)).toBe('owns a field no longer rendered: /f:data/f:a');
  // Trimming again (a re-list replays the cache) leaves it as it is.
  const trimmed = structuredClone(object.metadata?.managedFields);
  keepOwnManagedFields(object);
  expect(object.metadata?.managedFields).toEqual(trimmed);
});

it('drops managedFields where they are never read', () => {
  const pod: KubernetesObject = { metadata: { name: 'p', managedFields: [entry('kubelet', 'Update')] } };
  dropManagedFields(pod);
  expect(pod.metadata?.managedFields).toBeUndefined();
});

it("ignores a bot's status-only updates (its own status writes) but not spec changes or deletion", () => {
  const bot = (generation: number, extra: object = {}): KubernetesObject => ({
    metadata: { name: 'shop', uid: 'u', generation, resourceVersion: String(generation * 10), ...extra },
  });
  expect(
    botChangeMatters(bot(1), { ...bot(1), metadata: { ...bot(1).metadata, resourceVersion: '99' } }),
  ).toBe(false);
  expect(botChangeMatters(bot(1), bot(2))).toBe(true);
  expect(botChangeMatters(bot(1), bot(1, { deletionTimestamp: new Date() }))).toBe(true);
});

it('keeps of a worker pod exactly what the pod problems are read from, and drops its spec', () => {
  const pod = (): V1Pod => ({
    metadata: {
      name: 'shop-7d9f-abcde',
      namespace: 'stores',
      labels: { 'app.kubernetes.io/instance': 'shop' },
      managedFields: [{ manager: 'kubelet', operation: 'Update' }],
    },
    spec: {
      containers: [
        { name: 'worker', image: 'inventorybot:1.0', env: [{ name: 'A', value: 'x'.repeat(500) }] },
      ],
    },
    status: {
      phase: 'Pending',
      podIP: '10.0.0.7',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available',
        },
        { type: 'Ready', status: 'False' },
      ],
      containerStatuses: [
        {
          name: 'worker',
          image: 'inventorybot:1.0',
          imageID: '',
          ready: false,
          restartCount: 4,
          started: false,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 2, message: 'bad config field queue.redis.url' } },
        },
      ],
    },
  });
  const trimmed = pod();
  trimPod(trimmed);
  expect(podProblems([trimmed])).toEqual(podProblems([pod()]));
  expect(podProblems([trimmed]).map((p) => p.reason)).toEqual([
    REASONS.podsUnschedulable,
    REASONS.podsCrashLooping,
  ]);
  expect(trimmed.spec).toBeUndefined();
  expect(trimmed.metadata?.managedFields).toBeUndefined();
  expect(trimmed.metadata?.labels).toEqual(pod().metadata?.labels);
  expect(JSON.stringify(trimmed).length).toBeLessThan(JSON.stringify(pod()).length / 2);
});

it('keeps of a bot its metadata only (what wakes a reconcile and names it in events)', () => {
  const bot = () => ({
    apiVersion: 'inventorybot.io/v1alpha1',
    kind: 'InventoryBot',
    metadata: {
      name: 'shop',
      namespace: 'stores',
      uid: 'u-1',
      generation: 3,
      resourceVersion: '42',
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec: { queue: { redis: { url: 'redis://r:6379' } }, upstream: { primaryUrl: 'http://erp/api' } },
    status: { observedGeneration: 3, summary: 'WorkersReady' },
  });
  const trimmed: KubernetesObject = bot();
  trimBot(trimmed);
  expect(trimmed).toEqual({
    apiVersion: 'inventorybot.io/v1alpha1',
    kind: 'InventoryBot',
    metadata: { name: 'shop', namespace: 'stores', uid: 'u-1', generation: 3, resourceVersion: '42' },
  });
  const newer = bot();
  newer.metadata.generation = 4;
  trimBot(newer);
  expect(botChangeMatters(trimmed, newer)).toBe(true);
});

it("shares one managedFields entry among bots' objects: the owner uid is taken out of the field set, and put back exactly", () => {
  const fieldsV1 = (uid: string) => ({
    'f:metadata': { 'f:ownerReferences': { [`k:{"uid":"${uid}"}`]: {} } },
    'f:data': { 'f:a': {} },
  });
  const configMap = (bot: string, uid: string): KubernetesObject & { data: Record<string, string> } => ({
    metadata: {
      name: `${bot}-config`,
      namespace: 'stores',
      ownerReferences: [
        { apiVersion: 'inventorybot.io/v1alpha1', kind: 'InventoryBot', name: bot, uid, controller: true },
      ],
      managedFields: [
        {
          manager: FIELD_MANAGER,
          operation: 'Apply',
          apiVersion: 'v1',
          time: new Date(),
          fieldsType: 'FieldsV1',
          fieldsV1: fieldsV1(uid),
        },
      ],
    },
    data: { a: '1' },
  });
  const shop = configMap('shop', '9508365f-9026-4f7e-978f-8799069a7f18');
  const depot = configMap('depot', '0b1c2d3e-0000-4000-8000-000000000001');
  keepOwnManagedFields(shop);
  keepOwnManagedFields(depot);
  const [shopEntry] = shop.metadata?.managedFields ?? [];
  const [depotEntry] = depot.metadata?.managedFields ?? [];
  expect(shopEntry).toBe(depotEntry);
  expect(shopEntry?.time).toBeUndefined();
  expect(String(shopEntry?.fieldsV1)).not.toContain('9508365f');
  // Each object's field set reads back as the API server sent it, its own uid in place.
  expect(JSON.parse(fieldSetJson(shop, String(shopEntry?.fieldsV1)))).toEqual(
    fieldsV1('9508365f-9026-4f7e-978f-8799069a7f18'),
  );
  expect(JSON.parse(fieldSetJson(depot, String(depotEntry?.fieldsV1)))).toEqual(
    fieldsV1('0b1c2d3e-0000-4000-8000-000000000001'),
  );
  // The apply decision reads the owned owner reference back (`k:{"uid":…}` matched against the rendered
  // list): rendered, a no-op; no longer rendered, an apply.
  const desired = (ownerReferences?: unknown[]) =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-config', namespace: 'stores', ownerReferences },
      data: { a: '1' },
    }) as KubernetesObject;
  const rendered = structuredClone(shop.metadata?.ownerReferences ?? []);
  expect(applyReason(desired(rendered), shop, FIELD_MANAGER)).toBeUndefined();
  expect(applyReason(desired(), shop, FIELD_MANAGER)).toBe(
    'owns a field no longer rendered: /f:metadata/f:ownerReferences',
  );
  // Without its owner reference the marker cannot be read back: an apply, never a wrong skip.
  const orphan = { ...shop, metadata: { ...shop.metadata, ownerReferences: [] } };
  expect(applyReason(desired(), orphan, FIELD_MANAGER)).toBe('unreadable managed fields');
});

it('trims without turning the kept objects into hash tables (no delete: V8 dictionary mode, #14)', () => {
  // %HasFastProperties needs --allow-natives-syntax: a child process on the Node that runs Jest.
  const module = join(process.cwd(), 'src/operator/kube/cache-trim.ts');
  const script = `
    const { dropManagedFields, trimBot, trimPod } = await import(${JSON.stringify(module)});
    const parsed = (o) => JSON.parse(JSON.stringify(o));
    const metadata = { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', labels: { a: 'b' },
      ownerReferences: [{ uid: 'o', controller: true }], managedFields: [{ manager: 'kubelet' }] };
    const pod = parsed({ metadata, spec: { containers: [] }, status: { phase: 'Running' } });
    trimPod(pod);
    const bot = parsed({ apiVersion: 'v', kind: 'InventoryBot', metadata, spec: { a: 1 }, status: { b: 2 } });
    trimBot(bot);
    const other = parsed({ metadata, data: {} });
    dropManagedFields(other);
    console.log(JSON.stringify([pod, pod.metadata, bot, bot.metadata, other.metadata].map((o) => %HasFastProperties(o))));`;
  const fast = execFileSync(
    process.execPath,
    [
      '--allow-natives-syntax',
      '--experimental-strip-types',
      '--no-warnings',
      '--input-type=module',
      '-e',
      script,
    ],
    { encoding: 'utf8' },
  );
  expect(JSON.parse(fast)).toEqual([true, true, true, true, true]);
});
