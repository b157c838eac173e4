// The workers' PodDisruptionBudget lets an unready worker be evicted. A worker is unready while no
// upstream takes calls (its /readyz), and a PDB counts only ready pods: under the default policy an
// upstream outage left disruptionsAllowed at 0 and refused every eviction, so node drains hung until the
// upstream came back (a finding carried in the #14 notes). Real API server and disruption controller;
// the pods (of a ReplicaSet) sit on a Node no kubelet runs, their readiness set through the status subresource as a kubelet
// would. The control case, the same budget without the policy, shows what the test tells apart.
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PolicyV1Api,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { jest } from '@jest/globals';
import { LABELS } from '../../../../src/api/names.ts';
import { desiredPodDisruptionBudget } from '../../../../src/operator/desired/pod-disruption-budget.ts';
import { selectorLabels } from '../../../../src/operator/desired/labels.ts';
import { adminKubeConfig, ensureNamespace, MERGE_PATCH } from '../../../support/kube.ts';
import { sampleBot } from '../../../support/sample-bot.ts';
import { waitFor } from '../../../support/wait-for.ts';

jest.setTimeout(90_000);

const ns = 'unready-eviction';
const NODE = 'no-kubelet-unready-eviction';
let admin: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;

beforeAll(async () => {
  admin = adminKubeConfig();
  await ensureNamespace(admin, ns);
  core = admin.makeApiClient(CoreV1Api);
  apps = admin.makeApiClient(AppsV1Api);
  policy = admin.makeApiClient(PolicyV1Api);
  await core.createNode({ body: { metadata: { name: NODE } } }).catch((error: { code?: number }) => {
    if (error.code !== 409) throw error;
  });
});

afterAll(async () => {
  await core.deleteNode({ name: NODE }).catch(() => undefined);
});

/** A bot's budget as the operator builds it (its owner reference left out: no bot object here). */
function budgetFor(name: string): V1PodDisruptionBudget {
  const budget = desiredPodDisruptionBudget(sampleBot({}, { name, namespace: ns }));
  if (!budget) throw new Error('the sample bot has no PodDisruptionBudget');
  delete budget.metadata?.ownerReferences;
  return budget;
}

/**
 * Three workers of the bot, from a ReplicaSet (the budget's maxUnavailable needs their controller's
 * scale): one ready, two unready (an upstream outage, as their /readyz reports it).
 */
async function workers(name: string): Promise<string[]> {
  const labels = selectorLabels(sampleBot({}, { name, namespace: ns }));
  await apps.createNamespacedReplicaSet({
    namespace: ns,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { nodeName: NODE, containers: [{ name: 'worker', image: 'inventorybot:never-pulled' }] },
        },
      },
    },
  });
  const pods = await waitFor(
    () => core.listNamespacedPod({ namespace: ns, labelSelector: `${LABELS.instance}=${name}` }),
    (list) => list.items.length === 3,
    { timeoutMs: 30_000, intervalMs: 200, what: `3 pods of ${name}` },
  );
  const names = pods.items.map((p) => p.metadata?.name as string).sort();
  for (const [i, pod] of names.entries()) {
    const ready = i === 0 ? 'True' : 'False';
    await core.patchNamespacedPodStatus(
      {
        namespace: ns,
        name: pod,
        body: {
          status: {
            phase: 'Running',
            conditions: [
              { type: 'Ready', status: ready },
              { type: 'ContainersReady', status: ready },
            ],
          },
        },
      },
      MERGE_PATCH,
    );
  }
  return names;
}

/** Waits for the disruption controller to count the pods, then asks to evict an unready one. */
async function evictUnready(budget: V1PodDisruptionBudget, pods: string[]): Promise<number> {
  await policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: budget });
  await waitFor(
    () => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: budget.metadata?.name as string }),
    (b) => b.status?.expectedPods === 3 && b.status.currentHealthy === 1,
    { timeoutMs: 60_000, intervalMs: 200, what: `${budget.metadata?.name} counting 3 pods, 1 healthy` },
  );
  try {
    await core.createNamespacedPodEviction({
      namespace: ns,
      name: pods[1] as string,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pods[1], namespace: ns } },
    });
    return 201;
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === undefined) throw error;
    return code;
  }
}

it('an unready worker can be evicted while its siblings are unready too (a node drain during an upstream outage)', async () => {
  const budget = budgetFor('drains');
  expect(budget.spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  const pods = await workers('drains');
  expect(await evictUnready(budget, pods)).toBe(201);
  await waitFor(
    () => core.listNamespacedPod({ namespace: ns }),
    (list) => !list.items.some((p) => p.metadata?.name === pods[1] && !p.metadata?.deletionTimestamp),
    { timeoutMs: 30_000, intervalMs: 200, what: `${pods[1]} evicted` },
  );
});

it('control: the same budget under the default policy refuses that eviction (429)', async () => {
  const budget = budgetFor('blocked');
  delete budget.spec?.unhealthyPodEvictionPolicy;
  const pods = await workers('blocked');
  expect(await evictUnready(budget, pods)).toBe(429);
});
