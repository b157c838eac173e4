import { rmSync } from 'node:fs';
import { CLUSTER_INFO_ENV } from './cluster-info.ts';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__inventorybotControlPlane?.stop();
  const path = process.env[CLUSTER_INFO_ENV];
  if (path) rmSync(path, { force: true });
}
