// Where tests find the control plane started by jest-global-setup.ts (it runs in another process).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlPlaneInfo } from './control-plane.ts';

export const CLUSTER_INFO_ENV = 'INVENTORYBOT_TEST_CLUSTER_INFO';

export function defaultInfoPath(): string {
  return join(tmpdir(), `inventorybot-test-cluster-${process.ppid}-${process.pid}.json`);
}

export function clusterInfo(): ControlPlaneInfo {
  const path = process.env[CLUSTER_INFO_ENV];
  if (!path)
    throw new Error(`${CLUSTER_INFO_ENV} is not set: run cluster tests through the jest "cluster" project`);
  return JSON.parse(readFileSync(path, 'utf8')) as ControlPlaneInfo;
}
