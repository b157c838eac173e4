// #14: a resync that finds every object as the bot wants it writes none of them, the monitoring
// objects (ServiceMonitor, PrometheusRule: kinds the operator does not cache) included. They were
// re-applied whenever the last apply was older than uncachedReapplyMs, which is what the periodic
// resync (10 min) found every time: two writes per bot per resync. Real API server with stand-ins
// for the Prometheus Operator CRDs, the operator's RBAC; the owned-object caches are a snapshot the
// test reads (so the resync is exactly a no-op).
import { recordingKubeConfig } from '../../../support/recording-kube-config.ts';
import { jest } from '@jest/globals';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseSpec, type InventoryBot } from '../../../../src/api/inventory-bot.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { desiredObjects } from '../../../../src/operator/desired/desired-objects.ts';
import { Applier } from '../../../../src/operator/kube/apply.ts';
import { Reconciler, type CachedObjects } from '../../../../src/operator/reconciler.ts';
import { prepareOperatorNamespace } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef, createBot } from '../../../support/bot-objects.ts';
import { installStandIns, PROMETHEUS_OPERATOR_CRDS, removeStandIns } from '../../../support/stand-in-crds.ts';

jest.setTimeout(90_000);

const ns = 'operator-no-op-resync';
const MONITORING = { serviceMonitor: true, prometheusRule: true };
let admin: KubeConfig;
let operatorConfig: KubeConfig;
const requests: string[] = [];

const recording = (kubeConfig: KubeConfig): KubeConfig => recordingKubeConfig(kubeConfig, requests);

beforeAll(async () => {
  let config: KubeConfig;
  ({ admin, kubeConfig: config } = await prepareOperatorNamespace(ns));
  operatorConfig = recording(config);
  // Stand-ins for the Prometheus Operator CRDs, removed afterwards.
  installStandIns(PROMETHEUS_OPERATOR_CRDS);
});

afterAll(() => removeStandIns(PROMETHEUS_OPERATOR_CRDS));

it('a resync of a converged bot writes none of its objects, ServiceMonitor and PrometheusRule included', async () => {
  const custom = admin.makeApiClient(CustomObjectsApi);
  const ref = botRef(ns, 'steady');
  // Both monitoring objects are on by default.
  await createBot(admin, ns, 'steady', sampleSpec());
  const cache = new Map<string, KubernetesObject>();
  const operatorCustom = operatorConfig.makeApiClient(CustomObjectsApi);
  const core = operatorConfig.makeApiClient(CoreV1Api);
  const reconciler = new Reconciler({
    applier: new Applier(operatorConfig),
    readBot: async (namespace, name) =>
      (await operatorCustom.getNamespacedCustomObject({ ...ref, namespace, name })) as InventoryBot,
    readSecret: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
    listPods: () => [],
    hasPodDisruptionBudget: () => false,
    monitoringKinds: async () => MONITORING,
    cacheOf: (apiVersion, kind): CachedObjects | undefined =>
      apiVersion.startsWith('monitoring.coreos.com')
        ? undefined
        : (namespace, name) => cache.get(`${apiVersion}/${kind}/${namespace}/${name}`),
    // Every reconcile comes "after the period": what the periodic resync always found.
    uncachedReapplyMs: 0,
    events: { record: async () => undefined },
    externalMetrics: false,
    secretRecheckMs: 60_000,
    logger: createLogger({ level: 'error' }),
  });
  await reconciler.reconcile(`${ns}/steady`);

  // The caches as synced informers would hold them now.
  const bot = (await custom.getNamespacedCustomObject(ref)) as InventoryBot;
  const desired = desiredObjects(
    { ...bot, spec: parseSpec(bot.spec) },
    { externalMetrics: false, monitoringKinds: MONITORING },
  );
  const objects = KubernetesObjectApi.makeApiClient(admin);
  const kinds: string[] = [];
  for (const object of Object.values(desired)) {
    if (!object) continue;
    const live = await objects.read({
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      metadata: { name: object.metadata?.name ?? '', namespace: ns },
    });
    kinds.push(object.kind ?? '');
    cache.set(`${object.apiVersion}/${object.kind}/${ns}/${object.metadata?.name}`, live);
  }
  expect(kinds).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'Deployment']));

  requests.length = 0;
  await reconciler.reconcile(`${ns}/steady`);
  // Object writes only: the bot's status may still follow its Deployment rolling out meanwhile.
  const objectWrites = requests.filter((r) => !r.startsWith('GET ') && !/\/(status|events)(\/|$)/.test(r));
  expect(objectWrites).toEqual([]);
  // The monitoring objects were read (not cached) and compared.
  expect(
    requests.filter((r) => r.startsWith('GET ') && /servicemonitors|prometheusrules/.test(r)),
  ).toHaveLength(2);
});
