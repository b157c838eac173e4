// The leader Lease goes with the operator's Deployment (#10): the operator (main.ts, on the chart's RBAC
// rules) given its Deployment's name (OPERATOR_DEPLOYMENT, set by the chart) makes that Deployment the
// Lease's owner, also on a Lease an older version left without one, so the control plane's garbage
// collector deletes the Lease once the Deployment is deleted (helm uninstall). Without the name nothing
// changes (an operator run outside a cluster).
import { jest } from '@jest/globals';
import { AppsV1Api, CoordinationV1Api, KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { LEADER_ELECTION_LEASE } from '../../../../src/api/names.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { LeaderElector } from '../../../../src/operator/leader-election.ts';
import { prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import {
  killAll,
  leaderElectedArgs,
  spawnOperator,
  type OperatorProcess,
} from '../../../support/operator-process.ts';

jest.setTimeout(120_000);

const ns = 'operator-lease-owner';
const DEPLOYMENT = 'inventorybot-operator';
let admin: KubeConfig;
let operatorConfig: KubeConfig;
let kubeconfigPath: string;
const children: OperatorProcess[] = [];

beforeAll(async () => {
  ({ admin, kubeConfig: operatorConfig, path: kubeconfigPath } = await prepareOperatorNamespace(ns));
});

afterAll(() => killAll(children));

const readLease = (name: string): Promise<V1Lease | undefined> =>
  admin
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name })
    .catch((error: unknown) => {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    });

it('the Lease is owned by the operator Deployment and deleted with it', async () => {
  // A Lease as an older operator version leaves it after a SIGTERM: released, no owner.
  await admin.makeApiClient(CoordinationV1Api).createNamespacedLease({
    namespace: ns,
    body: { metadata: { name: LEADER_ELECTION_LEASE }, spec: { leaseDurationSeconds: 15 } },
  });
  const apps = admin.makeApiClient(AppsV1Api);
  const labels = { app: 'lease-owner-test' };
  const deployment = await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: DEPLOYMENT },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'operator', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    },
  });

  const operator = spawnOperator({
    kubeconfigPath,
    args: leaderElectedArgs(ns),
    env: { OPERATOR_DEPLOYMENT: DEPLOYMENT },
  });
  children.push(operator);
  const { child } = operator;
  await waitFor(
    () => operator.logged('became leader'),
    (line) => line !== undefined,
    { timeoutMs: 30_000, what: 'the operator to lead' },
  );

  // Its first write (taking the released Lease over) adds the owner.
  const owned = await readLease(LEADER_ELECTION_LEASE);
  expect(owned?.spec?.holderIdentity).toBeTruthy();
  expect(owned?.metadata?.ownerReferences).toEqual([
    { apiVersion: 'apps/v1', kind: 'Deployment', name: DEPLOYMENT, uid: deployment.metadata?.uid },
  ]);

  // helm uninstall: the operator stops (SIGTERM releases the Lease, which stays), the Deployment goes.
  child.kill('SIGTERM');
  await waitFor(
    () => child.exitCode,
    (code) => code !== null,
    { timeoutMs: 15_000, what: 'the operator to exit' },
  );
  const released = await readLease(LEADER_ELECTION_LEASE);
  expect(released?.spec?.holderIdentity ?? '').toBe('');
  expect(released?.metadata?.ownerReferences?.map((o) => o.uid)).toEqual([deployment.metadata?.uid]);
  await apps.deleteNamespacedDeployment({ namespace: ns, name: DEPLOYMENT, propagationPolicy: 'Background' });
  await waitFor(
    () => readLease(LEADER_ELECTION_LEASE),
    (lease) => lease === undefined,
    { timeoutMs: 60_000, what: 'the garbage collector to delete the Lease' },
  );
});

it('without an owner Deployment (outside a cluster) the Lease has no owner, as before', async () => {
  const elector = new LeaderElector({
    kubeConfig: operatorConfig,
    namespace: ns,
    name: 'unowned-lease',
    identity: 'local',
    logger: createLogger({ level: 'error' }),
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 250,
  });
  expect(await elector.acquire()).toBe(true);
  const lease = await readLease('unowned-lease');
  expect(lease?.spec?.holderIdentity).toBe('local');
  expect(lease?.metadata?.ownerReferences).toBeUndefined();
  await elector.stop();
});
