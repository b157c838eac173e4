// Starts one real node (#10) for the `real-node` jest project; tests read it through cluster-info.ts
// (the same fields as the control plane's, plus the node's).
import { writeFileSync } from 'node:fs';
import { CLUSTER_INFO_ENV, defaultInfoPath } from './cluster-info.ts';
import { startRealNode, type RealNode } from './real-node.ts';

declare global {
  var __inventorybotRealNode: RealNode | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const node = await startRealNode({ log: (line) => process.stderr.write(`[real-node] ${line}\n`) });
  globalThis.__inventorybotRealNode = node;
  const path = defaultInfoPath();
  const { stop: _stop, ...info } = node;
  writeFileSync(path, JSON.stringify(info));
  process.env[CLUSTER_INFO_ENV] = path;
  process.env.KUBECONFIG = node.kubeconfigPath;
  process.env.PATH = `${node.binDir}:${process.env.PATH ?? ''}`;
  process.stderr.write(`[real-node] up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
