// #14: the reconciler decides from its synced informer caches, without a read per object, and still
// never takes over an object it did not create. Real API server, the operator's RBAC; the caches are
// stand-ins the test controls (empty, or a stale snapshot), which is exactly the state the rules are about.
import { recordingKubeConfig } from '../../../support/recording-kube-config.ts';
import { jest } from '@jest/globals';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { InventoryBot } from '../../../../src/api/inventory-bot.ts';
import { REASONS } from '../../../../src/api/names.ts';
import { TransientError } from '../../../../src/contracts/errors.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { Applier } from '../../../../src/operator/kube/apply.ts';
import { Reconciler, type CachedObjects } from '../../../../src/operator/reconciler.ts';
import { MERGE_PATCH, prepareOperatorNamespace } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef as botRefIn, createBot as createBotIn, readBot } from '../../../support/bot-objects.ts';

jest.setTimeout(60_000);

const ns = 'operator-cache-decided';
let admin: KubeConfig;
let operatorConfig: KubeConfig;
const requests: string[] = [];

const recording = (kubeConfig: KubeConfig): KubeConfig => recordingKubeConfig(kubeConfig, requests);

beforeAll(async () => {
  let config: KubeConfig;
  ({ admin, kubeConfig: config } = await prepareOperatorNamespace(ns));
  operatorConfig = recording(config);
});

const botRef = (name: string) => botRefIn(ns, name);
const createBot = (name: string, spec = sampleSpec()) => createBotIn(admin, ns, name, spec);
const getBot = (name: string) => readBot(admin, ns, name);

/** A reconciler whose informer caches answer from `cache` (kind -> namespace/name -> object). */
function reconciler(cache: Map<string, Map<string, KubernetesObject>>): Reconciler {
  const custom = operatorConfig.makeApiClient(CustomObjectsApi);
  const core = operatorConfig.makeApiClient(CoreV1Api);
  return new Reconciler({
    applier: new Applier(operatorConfig),
    readBot: async (namespace, name) =>
      (await custom.getNamespacedCustomObject({ ...botRef(name), namespace })) as InventoryBot,
    readSecret: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
    listPods: () => [],
    hasPodDisruptionBudget: () => false,
    monitoringKinds: async () => ({ serviceMonitor: false, prometheusRule: false }),
    cacheOf: (apiVersion, kind): CachedObjects => {
      const objects = cache.get(`${apiVersion}/${kind}`) ?? new Map<string, KubernetesObject>();
      return (namespace, name) => objects.get(`${namespace}/${name}`);
    },
    events: { record: async () => undefined },
    externalMetrics: false,
    secretRecheckMs: 60_000,
    logger: createLogger({ level: 'error' }),
  });
}

const OWNED_PATHS = /\/(configmaps|services|deployments|horizontalpodautoscalers)\//;

it('creates the objects of a new bot without reading any of them first, when the synced cache lacks them', async () => {
  await createBot('fresh');
  requests.length = 0;
  await reconciler(new Map()).reconcile(`${ns}/fresh`);

  const owned = requests.filter((r) => OWNED_PATHS.test(r));
  expect(owned.filter((r) => r.startsWith('GET '))).toEqual([]);
  expect(owned.filter((r) => r.startsWith('PATCH '))).toHaveLength(4);
  const core = admin.makeApiClient(CoreV1Api);
  const configMap = await core.readNamespacedConfigMap({ namespace: ns, name: 'fresh-config' });
  expect(configMap.metadata?.ownerReferences?.[0]?.name).toBe('fresh');
  await admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'fresh' });
  expect((await getBot('fresh')).status?.observedGeneration).toBe(1);
});

it("an object the cache lacks but someone else's exists: refused by the create, read, judged, left untouched", async () => {
  const core = admin.makeApiClient(CoreV1Api);
  const theirs = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'taken-config' }, data: { 'prices.csv': 'sku,price\n1,9.99' } },
  });
  await createBot('taken');
  requests.length = 0;
  await reconciler(new Map()).reconcile(`${ns}/taken`);

  // One create attempt (refused: 409), then one read to judge it; never a second write.
  const touching = requests.filter((r) => r.includes('/configmaps/taken-config'));
  expect(touching).toEqual([
    `PATCH /api/v1/namespaces/${ns}/configmaps/taken-config`,
    `GET /api/v1/namespaces/${ns}/configmaps/taken-config`,
  ]);
  const now = await core.readNamespacedConfigMap({ namespace: ns, name: 'taken-config' });
  expect(now.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
  expect(now.data).toEqual({ 'prices.csv': 'sku,price\n1,9.99' });
  const degraded = (await getBot('taken')).status?.conditions?.find((c) => c.type === 'Degraded');
  expect(degraded?.reason).toBe(REASONS.objectNotOwned);
});

it('a stale cache (ours there, but deleted and re-created by someone else since) never leads to a takeover', async () => {
  await createBot('stale');
  await reconciler(new Map()).reconcile(`${ns}/stale`);
  const core = admin.makeApiClient(CoreV1Api);
  const ours = await core.readNamespacedConfigMap({ namespace: ns, name: 'stale-config' });
  // The cache still holds our ConfigMap (it missed the delete and the create below).
  const stale = new Map([
    [
      'v1/ConfigMap',
      new Map<string, KubernetesObject>([
        [`${ns}/stale-config`, { ...ours, apiVersion: 'v1', kind: 'ConfigMap' }],
      ]),
    ],
  ]);
  await core.deleteNamespacedConfigMap({ namespace: ns, name: 'stale-config' });
  const theirs = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'stale-config' }, data: { notes: 'not the bot' } },
  });
  // A spec change, so the ConfigMap must be applied (not skipped as unchanged).
  await admin
    .makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObject(
      { ...botRef('stale'), body: { spec: { upstream: { primaryUrl: 'http://erp2.example/api' } } } },
      MERGE_PATCH,
    );

  const error = await reconciler(stale)
    .reconcile(`${ns}/stale`)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(TransientError);
  expect((error as TransientError).code).toBe('ObjectReplaced');
  const now = await core.readNamespacedConfigMap({ namespace: ns, name: 'stale-config' });
  expect(now.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
  expect(now.data).toEqual({ notes: 'not the bot' });
  expect(now.metadata?.ownerReferences).toBeUndefined();

  // Once the cache has caught up (it lacks the unlabelled ConfigMap), the bot reports the conflict.
  await reconciler(new Map()).reconcile(`${ns}/stale`);
  const degraded = (await getBot('stale')).status?.conditions?.find((c) => c.type === 'Degraded');
  expect(degraded?.reason).toBe(REASONS.objectNotOwned);
  expect((await core.readNamespacedConfigMap({ namespace: ns, name: 'stale-config' })).data).toEqual({
    notes: 'not the bot',
  });
});
