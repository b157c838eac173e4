// A real-node test file's own world (#13, #15): an operator release watching only the file's namespace
// (or, as a user installs it, every namespace), Redis (AOF on a PersistentVolume) and the upstream
// simulator in it, and the cleanup that leaves the node as it was for the next file, also after a test
// that failed midway. The CRD is cluster-wide: a release installs it only when no earlier file left it
// (crds.keep), and the cleanup removes it only then.
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RealNodeInfo } from '../cluster/real-node.ts';
import { PROJECT_IMAGE, REDIS_IMAGE } from '../cluster/real-node.ts';
import { helm, helmOk, kubectl, kubectlOk, type CommandResult } from './command-line.ts';
import { namespaceJson, redisJson, simulatorJson } from './real-node-workloads.ts';
import { waitFor } from './wait-for.ts';

const CRD = 'inventorybots.inventorybot.io';
export const [IMAGE_REPOSITORY, IMAGE_TAG] = PROJECT_IMAGE.split(':') as [string, string];

export interface TestWorld {
  release: string;
  operatorNamespace: string;
  namespace: string;
  createdCrd: boolean;
}

/**
 * `helm install` of the chart from the project image, with its namespaces: one operator replica watching
 * `namespace` only unless told otherwise. A failed install removes what it made before it throws.
 */
export function installTestRelease(o: {
  release: string;
  operatorNamespace: string;
  namespace: string;
  /** Operator pods (leader election with more than one). */
  replicas?: number;
  /** `namespace` (the default): the release watches it alone; `cluster`: every namespace (the chart's default). */
  watch?: 'namespace' | 'cluster';
  /** More `--set`/`--set-string` arguments. */
  values?: string[];
}): TestWorld {
  const { replicas = 1, watch = 'namespace', values = [], ...names } = o;
  kubectlOk(['apply', '-f', '-'], namespaceJson(o.operatorNamespace));
  kubectlOk(['apply', '-f', '-'], namespaceJson(o.namespace));
  const world = { ...names, createdCrd: kubectl(['get', 'crd', CRD]).status !== 0 };
  try {
    helmOk([
      'install',
      o.release,
      join(process.cwd(), 'charts/inventorybot-operator'),
      '-n',
      o.operatorNamespace,
      '--set',
      `image.repository=${IMAGE_REPOSITORY}`,
      '--set',
      `image.tag=${IMAGE_TAG}`,
      '--set',
      'image.pullPolicy=Never',
      '--set',
      `replicaCount=${replicas}`,
      ...(watch === 'namespace' ? ['--set', `watchNamespaces={${o.namespace}}`] : []),
      '--set',
      `crds.install=${world.createdCrd}`,
      ...values,
      '--wait',
      '--timeout',
      '5m',
    ]);
  } catch (error) {
    removeTestWorld(world, []);
    throw error;
  }
  return world;
}

/** Redis and the simulator (`failureRate`, default 20 %) in the world's namespace, rolled out. */
export function startRedisAndSimulator(
  world: TestWorld,
  node: RealNodeInfo,
  simulator: { failureRate?: number } = {},
): void {
  const volume = join(node.workDir, 'volumes', world.namespace);
  mkdirSync(volume, { recursive: true });
  chownSync(volume, 999, 999);
  kubectlOk(['apply', '-f', '-'], redisJson(world.namespace, REDIS_IMAGE, volume, node.nodeName));
  kubectlOk(['apply', '-f', '-'], simulatorJson(world.namespace, PROJECT_IMAGE, simulator));
  kubectlOk([
    'rollout',
    'status',
    '-n',
    world.namespace,
    'deploy/redis',
    'deploy/inventory-api',
    '--timeout=180s',
  ]);
}

/** Waits until the release's external-metrics APIService (externalMetrics.enabled) is Available. */
export async function waitForExternalMetricsApi(timeoutMs = 120_000): Promise<void> {
  await waitFor(
    () =>
      kubectlOk([
        'get',
        'apiservice',
        'v1beta1.external.metrics.k8s.io',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")].status}',
      ]),
    (s) => s === 'True',
    { timeoutMs, intervalMs: 1000, what: 'external.metrics.k8s.io Available' },
  );
}

/**
 * Ours only: the bots (their finalizer needs the operator), the release, the namespaces, the PV, and the
 * CRD if this world made it (a later `helm install` of another file must be able to create it). Whatever
 * is already gone is skipped, so it runs in afterAll after a test that passed or failed at any step.
 */
export function removeTestWorld(world: TestWorld | undefined, bots: readonly string[]): void {
  if (!world) return;
  // Each step on its own: one that fails is said and the next still runs.
  const step = (result: CommandResult, what: string) => {
    if (result.status !== 0) {
      process.stderr.write(`[cleanup] ${what} failed (${result.status}): ${result.stderr.trim()}\n`);
    }
    return result.status === 0;
  };
  const { namespace, operatorNamespace, release } = world;
  if (bots.length > 0) {
    const deleted = kubectl([
      'delete',
      'ib',
      ...bots,
      '-n',
      namespace,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=60s',
    ]);
    // No operator to remove the finalizer (its install failed, or it is stuck): the bot would keep the
    // namespace from going.
    if (!step(deleted, `deleting the bots ${bots.join(', ')}`)) {
      for (const bot of bots) {
        kubectl([
          'patch',
          'ib',
          bot,
          '-n',
          namespace,
          '--type=merge',
          '-p',
          '{"metadata":{"finalizers":null}}',
        ]);
      }
    }
  }
  step(
    helm(['uninstall', release, '-n', operatorNamespace, '--ignore-not-found', '--wait', '--timeout', '2m']),
    `helm uninstall ${release}`,
  );
  step(
    kubectl([
      'delete',
      'namespace',
      namespace,
      operatorNamespace,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]),
    `deleting the namespaces ${namespace}, ${operatorNamespace}`,
  );
  step(
    kubectl([
      'delete',
      'pv',
      `${namespace}-redis-data`,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=60s',
    ]),
    `deleting the PV ${namespace}-redis-data`,
  );
  if (world.createdCrd) {
    step(
      kubectl(['delete', 'crd', CRD, '--ignore-not-found', '--wait=true', '--timeout=60s']),
      `deleting the CRD`,
    );
  }
}
