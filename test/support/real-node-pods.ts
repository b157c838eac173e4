// What the real-node test files (test/e2e/real-node) read from the node and its cluster as kubectl returns
// it: the node's info from the global setup, objects as JSON, pods and whether they run and are ready.
import { readFileSync } from 'node:fs';
import { CLUSTER_INFO_ENV } from '../cluster/cluster-info.ts';
import type { RealNodeInfo } from '../cluster/real-node.ts';
import { kubectlOk } from './command-line.ts';

/** The real node the global setup started (test/cluster/real-node-global-setup.ts). */
export const realNodeInfo = (): RealNodeInfo =>
  JSON.parse(readFileSync(process.env[CLUSTER_INFO_ENV] as string, 'utf8')) as RealNodeInfo;

/** `kubectl <args> -o json`, parsed. */
export const kubectlJson = <T>(args: string[]): T => JSON.parse(kubectlOk([...args, '-o', 'json'])) as T;

/** The fields of a pod the real-node tests read. */
export interface PodJson {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  status: {
    phase: string;
    containerStatuses?: {
      restartCount: number;
      ready: boolean;
      lastState?: { terminated?: { reason?: string } };
      state?: { terminated?: { reason?: string } };
    }[];
  };
}

/** The pods of a namespace, with a label selector or all of them. */
export const pods = (namespace: string, selector?: string): PodJson[] =>
  kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : [])])
    .items;

/** Running, not being deleted, every container ready. */
export const runningReady = (p: PodJson) =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  (p.status.containerStatuses ?? []).every((c) => c.ready);
