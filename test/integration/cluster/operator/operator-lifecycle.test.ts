// The operator against a real control plane (controller-manager + kwok), running with exactly the
// RBAC rules of charts/inventorybot-operator/files, never as admin.
import { jest } from '@jest/globals';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
} from '@kubernetes/client-node';
import type { InventoryBot } from '../../../../src/api/inventory-bot.ts';
import { ANNOTATIONS, LABELS, REASONS } from '../../../../src/api/names.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { startOperator, type OperatorHandle } from '../../../../src/operator/start-operator.ts';
import { kubectl } from '../../../support/command-line.ts';
import { MERGE_PATCH, prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef, createBot, readBot } from '../../../support/bot-objects.ts';

jest.setTimeout(180_000);

const ns = 'operator-lifecycle';
let admin: KubeConfig;
let operator: OperatorHandle;
let operatorConfig: KubeConfig;
const quiet = createLogger({ level: 'warn' });

const api = () => ({
  core: admin.makeApiClient(CoreV1Api),
  apps: admin.makeApiClient(AppsV1Api),
  hpa: admin.makeApiClient(AutoscalingV2Api),
  policy: admin.makeApiClient(PolicyV1Api),
  custom: admin.makeApiClient(CustomObjectsApi),
});
const getBot = (name: string) => readBot(admin, ns, name);
const condition = (bot: InventoryBot, type: string) => bot.status?.conditions?.find((c) => c.type === type);

async function patchBotSpec(name: string, spec: object): Promise<void> {
  await api().custom.patchNamespacedCustomObject({ ...botRef(ns, name), body: { spec } }, MERGE_PATCH);
}

const waitReady = (name: string, what = `${name} Ready`) =>
  waitFor(
    () => getBot(name),
    (b) => condition(b, 'Ready')?.status === 'True' && b.status?.observedGeneration === b.metadata.generation,
    { timeoutMs: 90_000, intervalMs: 250, what },
  );

async function ownedResourceVersions(name: string): Promise<Record<string, string | undefined>> {
  const { core, apps, hpa } = api();
  return {
    bot: (await getBot(name)).metadata.resourceVersion,
    configMap: (await core.readNamespacedConfigMap({ namespace: ns, name: `${name}-config` })).metadata
      ?.resourceVersion,
    service: (await core.readNamespacedService({ namespace: ns, name })).metadata?.resourceVersion,
    deployment: (await apps.readNamespacedDeployment({ namespace: ns, name })).metadata?.resourceVersion,
    hpa: (await hpa.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name })).metadata?.resourceVersion,
  };
}

beforeAll(async () => {
  ({ admin, kubeConfig: operatorConfig } = await prepareOperatorNamespace(ns));
  operator = await startOperator({
    metricsHost: '127.0.0.1',
    kubeConfig: operatorConfig,
    namespaces: [ns],
    metricsPort: 0,
    secretRecheckMs: 1_000,
    logger: quiet,
  });
});

afterAll(async () => {
  await operator?.stop();
});

describe('operator lifecycle', () => {
  it('creates ConfigMap, Deployment, Service, HPA and PDB with owner references and labels, then turns Ready', async () => {
    await createBot(admin, ns, 'shop', sampleSpec({ scaling: { minReplicas: 2, maxReplicas: 4 } }));
    const bot = await waitReady('shop');
    const { core, apps, hpa, policy } = api();
    const owned = [
      (await core.readNamespacedConfigMap({ namespace: ns, name: 'shop-config' })).metadata,
      (await core.readNamespacedService({ namespace: ns, name: 'shop' })).metadata,
      (await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })).metadata,
      (await hpa.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'shop' })).metadata,
      (await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'shop' })).metadata,
    ];
    for (const meta of owned) {
      expect(meta?.labels?.[LABELS.managedBy]).toBe('inventorybot-operator');
      expect(meta?.labels?.[LABELS.instance]).toBe('shop');
      expect(meta?.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'InventoryBot',
          name: 'shop',
          uid: bot.metadata.uid,
          controller: true,
        }),
      ]);
    }
    expect(bot.status?.readyReplicas).toBeGreaterThanOrEqual(2);
    expect(bot.status?.desiredReplicas).toBe(2);

    const table = kubectl(['get', 'ib', '-n', ns]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+DESIRED/);
    expect(table.stdout).toMatch(/shop\s+2\s+2\s+2\s+4\s+.*WorkersReady/);
  });

  it('writes nothing once converged, across resyncs and an operator restart', async () => {
    const before = await ownedResourceVersions('shop');
    await operator.stop();
    operator = await startOperator({
      metricsHost: '127.0.0.1',
      kubeConfig: operatorConfig,
      namespaces: [ns],
      metricsPort: 0,
      resyncPeriodMs: 500,
      logger: quiet,
    });
    // Several resyncs of every cached object, each a full reconcile: waited for, counted in reconciles.
    // Successes, and reconciles that ask to look again (#15: a bot whose Redis does not answer, as
    // this one's, is rechecked while its replicas are held).
    const reconcilesIn = (text: string) =>
      [
        ...text.matchAll(
          /controller_runtime_reconcile_total\{controller="inventorybot",result="(?:success|requeue_after)"\} (\d+)/g,
        ),
      ].reduce((sum, m) => sum + Number(m[1]), 0);
    const readMetrics = async () => (await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`)).text();
    const metrics = await waitFor(readMetrics, (text) => reconcilesIn(text) >= 3, {
      timeoutMs: 30_000,
      what: 'three reconciles of the converged bot',
    });
    const reconciles = reconcilesIn(metrics);
    expect(await ownedResourceVersions('shop')).toEqual(before);
    // Not even a no-op PATCH: every owned object was found up to date in the cache and skipped.
    const total = (name: string) =>
      [...metrics.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    expect(total('inventorybot_operator_applies_total')).toBe(0);
    expect(total('inventorybot_operator_apply_skipped_total')).toBeGreaterThanOrEqual(5 * reconciles);
  });

  it('updates the children on a spec change and rolls the pods on a config change', async () => {
    const { apps, hpa } = api();
    const hashBefore = (await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })).spec?.template
      .metadata?.annotations?.[ANNOTATIONS.configHash];
    await patchBotSpec('shop', { scaling: { maxReplicas: 6 }, concurrency: { batches: 7 } });
    const bot = await waitReady('shop', 'shop Ready at generation 2');
    expect(bot.metadata.generation).toBe(2);
    expect(bot.status?.observedGeneration).toBe(2);
    const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
    expect(deployment.spec?.template.metadata?.annotations?.[ANNOTATIONS.configHash]).not.toBe(hashBefore);
    expect(
      (await hpa.readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: 'shop' })).spec?.maxReplicas,
    ).toBe(6);
    const config = await api().core.readNamespacedConfigMap({ namespace: ns, name: 'shop-config' });
    expect(JSON.parse(config.data?.['config.json'] as string).concurrency.batches).toBe(7);
  });

  it('removes a field from the children when the spec stops asking for it', async () => {
    const { apps } = api();
    const cpuLimit = async () =>
      (await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })).spec?.template.spec
        ?.containers[0]?.resources?.limits?.cpu;
    await patchBotSpec('shop', { resources: { limits: { cpu: '700m' } } });
    await waitFor(cpuLimit, (cpu) => cpu === '700m', { timeoutMs: 20_000, what: 'CPU limit set' });
    // Nothing else of the Deployment changes: only the ownership of the field tells it must go.
    await patchBotSpec('shop', { resources: { limits: { cpu: null } } });
    await waitFor(cpuLimit, (cpu) => cpu === undefined, { timeoutMs: 20_000, what: 'CPU limit removed' });
  });

  it('repairs an owned object deleted or edited by hand', async () => {
    const { core, apps } = api();
    await core.deleteNamespacedService({ namespace: ns, name: 'shop' });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'shop-config', body: { data: { 'config.json': '{}' } } },
      MERGE_PATCH,
    );
    await apps.patchNamespacedDeployment(
      {
        namespace: ns,
        name: 'shop',
        body: { spec: { template: { spec: { automountServiceAccountToken: true } } } },
      },
      MERGE_PATCH,
    );
    await waitFor(
      () => core.readNamespacedService({ namespace: ns, name: 'shop' }),
      (s) => !!s.metadata?.uid,
      {
        timeoutMs: 20_000,
        what: 'Service recreated',
      },
    );
    await waitFor(
      () => core.readNamespacedConfigMap({ namespace: ns, name: 'shop-config' }),
      (c) => c.data?.['config.json'] !== '{}',
      { timeoutMs: 20_000, what: 'ConfigMap repaired' },
    );
    await waitFor(
      () => apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      (d) => d.spec?.template.spec?.automountServiceAccountToken === false,
      { timeoutMs: 20_000, what: 'Deployment repaired' },
    );
  });

  it('reports a missing Secret as Degraded and recovers when it appears', async () => {
    await createBot(
      admin,
      ns,
      'vault',
      sampleSpec({ queue: { redis: { secretRef: { name: 'vault-redis' } } } }),
    );
    const degraded = await waitFor(
      () => getBot('vault'),
      (b) => condition(b, 'Degraded')?.status === 'True',
      { timeoutMs: 30_000, what: 'vault Degraded' },
    );
    const reason = condition(degraded, 'Degraded');
    expect(reason?.reason).toBe(REASONS.secretNotFound);
    expect(reason?.message).toContain('vault-redis');
    expect(reason?.message).toContain('spec.queue.redis.secretRef');
    await api().core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'vault-redis' }, stringData: { url: 'redis://redis.example:6379' } },
    });
    // kwok runs pods whatever their env refers to, so Ready alone does not show the recovery.
    const recovered = await waitFor(
      () => getBot('vault'),
      (b) =>
        condition(b, 'Degraded')?.reason !== REASONS.secretNotFound &&
        condition(b, 'Ready')?.status === 'True',
      { timeoutMs: 60_000, what: 'vault no longer Degraded by the missing Secret' },
    );
    expect(condition(recovered, 'Degraded')?.reason).not.toBe(REASONS.secretNotFound);
  });

  it('lets garbage collection remove the children when the bot is deleted', async () => {
    const { apps, core } = api();
    await api().custom.deleteNamespacedCustomObject(botRef(ns, 'shop'));
    await waitFor(
      async () => {
        const deployments = await apps.listNamespacedDeployment({
          namespace: ns,
          labelSelector: `${LABELS.instance}=shop`,
        });
        const configMaps = await core.listNamespacedConfigMap({
          namespace: ns,
          labelSelector: `${LABELS.instance}=shop`,
        });
        return deployments.items.length + configMaps.items.length;
      },
      (n) => n === 0,
      { timeoutMs: 60_000, intervalMs: 500, what: 'children of shop garbage collected' },
    );
  });
});
