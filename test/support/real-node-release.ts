// A real-node test file's own world (#13, #15): an operator release watching only the file's namespace,
// Redis (AOF on a PersistentVolume) and the upstream simulator in it, and the cleanup that leaves the
// node as it was for the next file. The CRD is cluster-wide: a release installs it only when no earlier
// file left it (crds.keep), and the cleanup removes it only then.
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RealNodeInfo } from '../cluster/real-node.ts';
import { PROJECT_IMAGE, REDIS_IMAGE } from '../cluster/real-node.ts';
import { helm, helmOk, kubectl, kubectlOk } from './command-line.ts';
import { namespaceJson, redisJson, simulatorJson } from './real-node-workloads.ts';

const CRD = 'inventorybots.inventorybot.io';
export const [IMAGE_REPOSITORY, IMAGE_TAG] = PROJECT_IMAGE.split(':') as [string, string];

export interface TestWorld {
  release: string;
  operatorNamespace: string;
  namespace: string;
  createdCrd: boolean;
}

/** `helm install` of the chart from the project image, one replica, watching `namespace` only. */
export function installTestRelease(o: {
  release: string;
  operatorNamespace: string;
  namespace: string;
  /** More `--set`/`--set-string` arguments. */
  values?: string[];
}): TestWorld {
  kubectlOk(['apply', '-f', '-'], namespaceJson(o.operatorNamespace));
  kubectlOk(['apply', '-f', '-'], namespaceJson(o.namespace));
  const createdCrd = kubectl(['get', 'crd', CRD]).status !== 0;
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
    'replicaCount=1',
    '--set',
    `watchNamespaces={${o.namespace}}`,
    '--set',
    `crds.install=${createdCrd}`,
    ...(o.values ?? []),
    '--wait',
    '--timeout',
    '3m',
  ]);
  return { ...o, createdCrd };
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

/**
 * Ours only: the bots (their finalizer needs the operator), the release, the namespaces, the PV, and the
 * CRD if this world made it (a later `helm install` of another file must be able to create it).
 */
export function removeTestWorld(world: TestWorld | undefined, bots: readonly string[]): void {
  if (!world) return;
  if (bots.length > 0) {
    kubectl(['delete', 'ib', ...bots, '-n', world.namespace, '--wait=true', '--timeout=60s']);
  }
  helm(['uninstall', world.release, '-n', world.operatorNamespace, '--wait', '--timeout', '2m']);
  kubectl(['delete', 'namespace', world.namespace, world.operatorNamespace, '--wait=true', '--timeout=120s']);
  kubectl(['delete', 'pv', `${world.namespace}-redis-data`, '--wait=true', '--timeout=60s']);
  if (world.createdCrd) kubectl(['delete', 'crd', CRD, '--wait=true', '--timeout=60s']);
}
