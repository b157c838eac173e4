import { rmSync } from 'node:fs';
import { CLUSTER_INFO_ENV } from './cluster-info.ts';

export default async function globalTeardown(): Promise<void> {
  const started = Date.now();
  await globalThis.__inventorybotRealNode?.stop();
  const path = process.env[CLUSTER_INFO_ENV];
  if (path) rmSync(path, { force: true });
  process.stderr.write(`[real-node] removed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
