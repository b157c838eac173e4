// `npm run deploy:render`: renders the chart with default values into deploy/ for `kubectl apply -f deploy/`.
// A test renders it again and fails when the committed files are stale.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEPLOY_NAMESPACE = 'inventorybot-system';
export const DEPLOY_RELEASE = 'inventorybot';
export const KUBE_VERSION = '1.37.2';
export const DEPLOY_FILES = {
  namespace: 'deploy/00-namespace.yaml',
  operator: 'deploy/inventorybot-operator.yaml',
  dashboard: 'deploy/grafana-dashboard.yaml',
} as const;

const HEADER = '# Generated from charts/inventorybot-operator by `npm run deploy:render`. Do not edit.\n';

export function renderNamespace(): string {
  return `${HEADER}apiVersion: v1
kind: Namespace
metadata:
  name: ${DEPLOY_NAMESPACE}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
`;
}

function helmTemplate(helm: string, extraArgs: string[] = []): string {
  const out = execFileSync(
    helm,
    [
      'template',
      DEPLOY_RELEASE,
      'charts/inventorybot-operator',
      '--namespace',
      DEPLOY_NAMESPACE,
      '--kube-version',
      KUBE_VERSION,
      ...extraArgs,
    ],
    { encoding: 'utf8' },
  );
  return HEADER + out;
}

export function renderOperator(helm: string): string {
  return helmTemplate(helm);
}

/** The Grafana dashboard ConfigMap alone (off in the chart's defaults), for Grafana's sidecar. */
export function renderDashboard(helm: string): string {
  return helmTemplate(helm, [
    '--set',
    'grafanaDashboard.enabled=true',
    '--show-only',
    'templates/grafana-dashboard.yaml',
  ]);
}

/** HELM names a helm binary to use (the release workflow's); otherwise the one built from Go modules. */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  const bin = execFileSync('test/cluster/build-binaries.sh', {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop() as string;
  return join(bin, 'helm');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const helm = helmBinary();
  writeFileSync(DEPLOY_FILES.namespace, renderNamespace());
  writeFileSync(DEPLOY_FILES.operator, renderOperator(helm));
  writeFileSync(DEPLOY_FILES.dashboard, renderDashboard(helm));
  console.log(`wrote ${Object.values(DEPLOY_FILES).join(' ')}`);
}
