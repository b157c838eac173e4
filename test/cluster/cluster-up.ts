// `make cluster-up`: starts the local control plane and leaves it running for development.
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from './control-plane.ts';

const stateDir = join(process.env.INVENTORYBOT_CACHE ?? join(homedir(), '.cache', 'inventorybot'), 'cluster');
mkdirSync(stateDir, { recursive: true });
const workDir = join(stateDir, `run-${Date.now()}`);
mkdirSync(workDir);
const cp = await startControlPlane({ workDir, detached: true, log: (line) => console.error(line) });
writeFileSync(join(stateDir, 'pids'), cp.pids.join('\n') + '\n');
writeFileSync(join(stateDir, 'current'), workDir + '\n');
console.log(`
Local control plane is up (${cp.server}). Logs: ${workDir}/logs
  export KUBECONFIG=${cp.kubeconfigPath}
  export PATH=${cp.binDir}:$PATH    # kubectl and helm built with the control plane
  kubectl get nodes
Stop it with: make cluster-down`);
process.exit(0);
