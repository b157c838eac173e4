// `make node-up` (#10): a real one-node cluster (real-node.ts) left running for people; node-down.ts removes it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startRealNode } from './real-node.ts';

const stateDir = join(process.env.INVENTORYBOT_CACHE ?? join(homedir(), '.cache', 'inventorybot'), 'node');
mkdirSync(stateDir, { recursive: true });
const node = await startRealNode({ detached: true, log: (line) => console.error(`[node-up] ${line}`) });
const { stop: _stop, ...info } = node;
writeFileSync(join(stateDir, `${node.id}.json`), JSON.stringify(info, null, 2));
console.log(`
Real node ${node.nodeName} is up (${node.server}); daemon logs: ${node.workDir}/logs
  export KUBECONFIG=${node.kubeconfigPath} PATH=${node.binDir}:$PATH
  kubectl get nodes; kubectl top nodes
Remove it with: make node-down   (or: node --experimental-strip-types test/cluster/node-down.ts ${node.id})`);
process.exit(0);
