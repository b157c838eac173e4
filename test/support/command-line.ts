// kubectl and helm as a user runs them, against the test cluster: the versions built with the API
// server, the admin kubeconfig, helm's state kept in the cluster's work directory.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { clusterInfo } from '../cluster/cluster-info.ts';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

function run(tool: 'kubectl' | 'helm', args: string[], input?: string): CommandResult {
  const info = clusterInfo();
  const res = spawnSync(join(info.binDir, tool), args, {
    input,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      KUBECONFIG: info.kubeconfigPath,
      HELM_CACHE_HOME: join(info.workDir, 'helm-cache'),
      HELM_CONFIG_HOME: join(info.workDir, 'helm-config'),
      HELM_DATA_HOME: join(info.workDir, 'helm-data'),
    },
  });
  return { status: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

function ok(tool: 'kubectl' | 'helm', args: string[], input?: string): string {
  const res = run(tool, args, input);
  if (res.status !== 0) {
    throw new Error(`${tool} ${args.join(' ')} failed (${res.status}): ${res.stderr}${res.stdout}`);
  }
  return res.stdout;
}

export const kubectl = (args: string[], input?: string) => run('kubectl', args, input);
export const kubectlOk = (args: string[], input?: string) => ok('kubectl', args, input);
export const helm = (args: string[], input?: string) => run('helm', args, input);
export const helmOk = (args: string[], input?: string) => ok('helm', args, input);
