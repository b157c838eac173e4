// Starts the control plane once for the `cluster` jest project; tests read it through cluster-info.ts.
import { writeFileSync } from 'node:fs';
import { CLUSTER_INFO_ENV, defaultInfoPath } from './cluster-info.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';

declare global {
  var __inventorybotControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const cp = await startControlPlane({ log: (line) => process.stderr.write(`[cluster] ${line}\n`) });
  globalThis.__inventorybotControlPlane = cp;
  const path = defaultInfoPath();
  const { stop: _stop, ...info } = cp;
  writeFileSync(path, JSON.stringify(info));
  process.env[CLUSTER_INFO_ENV] = path;
  process.env.KUBECONFIG = cp.kubeconfigPath;
  // kubectl (and helm) of the built version come first for the tests.
  process.env.PATH = `${cp.binDir}:${process.env.PATH ?? ''}`;
  process.stderr.write(`[cluster] up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
