// The Helm chart on the real local control plane: lint, server-side dry runs of several value sets,
// deploy/ freshness, and a real install whose ServiceAccount and RBAC run the operator (not admin).
import { jest } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CRD_NAME, GROUP, PLURAL, VERSION } from '../../../../src/api/names.ts';
import { clusterInfo } from '../../../cluster/cluster-info.ts';
import { kubeconfigYaml } from '../../../cluster/kubeconfig.ts';
import { helm, helmOk, kubectl, kubectlOk } from '../../../support/command-line.ts';
import { adminKubeConfig, ensureNamespace, waitFor } from '../../../support/kube.ts';
import {
  DEPLOY_FILES,
  renderDashboard,
  renderNamespace,
  renderOperator,
} from '../../../tools/render-deploy.ts';

jest.setTimeout(240_000);

const CHART = 'charts/inventorybot-operator';
const RELEASE = 'inventorybot';
const RELEASE_NS = 'inventorybot-system';
const BOT_NS = 'chart-bots';
const helmPath = () => join(clusterInfo().binDir, 'helm');

function valuesFile(name: string, values: object): string {
  const path = join(clusterInfo().workDir, `values-${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
}

// Stand-ins for the Prometheus Operator CRDs so the monitoring objects can be validated by the server.
const monitoringCrd = (kind: string, plural: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.monitoring.coreos.com` },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
});

let admin: KubeConfig;
let operator: ChildProcess | undefined;

beforeAll(async () => {
  admin = adminKubeConfig();
  for (const ns of [RELEASE_NS, BOT_NS, 'team-a', 'team-b']) await ensureNamespace(admin, ns);
});

afterAll(() => {
  if (operator && operator.exitCode === null) operator.kill('SIGKILL');
});

describe('chart static checks', () => {
  it('passes helm lint', () => {
    const out = helmOk(['lint', CHART, '--strict', '--kube-version', '1.37.2']);
    expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(out).not.toMatch(/\[(ERROR|WARNING)\]/);
  });

  it('keeps deploy/ in step with the chart (npm run deploy:render)', () => {
    expect(readFileSync(DEPLOY_FILES.operator, 'utf8')).toBe(renderOperator(helmPath()));
    expect(readFileSync(DEPLOY_FILES.namespace, 'utf8')).toBe(renderNamespace());
    expect(readFileSync(DEPLOY_FILES.dashboard, 'utf8')).toBe(renderDashboard(helmPath()));
  });

  it('rejects values that break the schema, naming the value', () => {
    const res = helm(['template', RELEASE, CHART, '--set', 'replicaCount=many']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/replicaCount/);
  });
});

describe('server-side dry runs', () => {
  const valueSets: [string, object, string[]][] = [
    ['default', {}, []],
    ['namespaced', { watchNamespaces: ['team-a', 'team-b'], replicaCount: 3 }, []],
    [
      'monitoring',
      {
        serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true },
        grafanaDashboard: { enabled: true },
        networkPolicy: {
          enabled: true,
          metricsFrom: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }],
        },
      },
      [
        '--api-versions',
        'monitoring.coreos.com/v1/ServiceMonitor',
        '--api-versions',
        'monitoring.coreos.com/v1/PrometheusRule',
      ],
    ],
    [
      'minimal',
      {
        replicaCount: 1,
        leaderElection: { enabled: false },
        crds: { install: false },
        rbac: { create: false },
        serviceAccount: { create: false, name: 'default' },
      },
      [],
    ],
    ['external-metrics', { externalMetrics: { enabled: true }, networkPolicy: { enabled: true } }, []],
  ];

  it.each(valueSets)('accepts the %s values', (name, values, extra) => {
    const rendered = helmOk([
      'template',
      RELEASE,
      CHART,
      '-n',
      RELEASE_NS,
      '--kube-version',
      '1.37.2',
      '-f',
      valuesFile(name, values),
      ...extra,
    ]);
    const kinds = [...rendered.matchAll(/^kind: (\w+)/gm)].map((m) => m[1]);
    if (name === 'monitoring') {
      expect(kinds).toEqual(
        expect.arrayContaining(['ServiceMonitor', 'PrometheusRule', 'ConfigMap', 'NetworkPolicy']),
      );
      kubectlOk(
        ['apply', '--server-side', '-f', '-'],
        JSON.stringify(monitoringCrd('ServiceMonitor', 'servicemonitors')),
      );
      kubectlOk(
        ['apply', '--server-side', '-f', '-'],
        JSON.stringify(monitoringCrd('PrometheusRule', 'prometheusrules')),
      );
      kubectlOk([
        'wait',
        '--for=condition=Established',
        'crd/servicemonitors.monitoring.coreos.com',
        'crd/prometheusrules.monitoring.coreos.com',
        '--timeout=60s',
      ]);
    }
    if (name === 'namespaced') {
      expect(kinds.filter((k) => k === 'Role')).toHaveLength(3);
      expect(kinds).not.toContain('ClusterRole');
    }
    if (name === 'external-metrics') {
      expect(kinds).toEqual(expect.arrayContaining(['APIService', 'Secret', 'RoleBinding', 'NetworkPolicy']));
      expect(rendered).toMatch(/caBundle: \S+/);
      expect(rendered).toContain('name: extension-apiserver-authentication-reader');
      expect(rendered).toContain('- --external-metrics');
    }
    if (name === 'minimal') {
      expect(kinds).not.toEqual(expect.arrayContaining(['CustomResourceDefinition']));
      expect(kinds).not.toContain('ClusterRole');
    }
    try {
      const out = kubectlOk(['apply', '--dry-run=server', '-f', '-'], rendered);
      expect(out).toMatch(/deployment\.apps\/\S+ (created|configured|unchanged) \(server dry run\)/);
    } finally {
      if (name === 'monitoring') {
        kubectlOk([
          'delete',
          'crd',
          'servicemonitors.monitoring.coreos.com',
          'prometheusrules.monitoring.coreos.com',
          '--wait=true',
        ]);
      }
    }
  });
});

describe('helm install, the operator on the chart RBAC, upgrade and uninstall', () => {
  const deploymentName = RELEASE;

  async function chartServiceAccountKubeconfig(): Promise<string> {
    const core = admin.makeApiClient(CoreV1Api);
    const token = (
      await core.createNamespacedServiceAccountToken({
        namespace: RELEASE_NS,
        name: RELEASE,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      })
    ).status?.token;
    if (!token) throw new Error('no token for the chart ServiceAccount');
    const info = clusterInfo();
    const path = join(info.workDir, 'kubeconfig-chart-operator.yaml');
    writeFileSync(
      path,
      kubeconfigYaml({ server: info.server, caCert: info.caCertPath, token, user: 'chart-operator' }),
    );
    return path;
  }

  it('installs (namespaced mode), and the operator on the chart ServiceAccount reconciles a sample to Ready', async () => {
    // Other suites applied crds/ by hand; adopt it into the release as README tells users to.
    if (kubectl(['get', 'crd', CRD_NAME]).status === 0) {
      kubectlOk(['label', '--overwrite', 'crd', CRD_NAME, 'app.kubernetes.io/managed-by=Helm']);
      kubectlOk([
        'annotate',
        '--overwrite',
        'crd',
        CRD_NAME,
        `meta.helm.sh/release-name=${RELEASE}`,
        `meta.helm.sh/release-namespace=${RELEASE_NS}`,
      ]);
    }
    // Namespaced mode keeps this operator away from the bots of the other suites sharing the cluster.
    const out = helmOk([
      'install',
      RELEASE,
      CHART,
      '-n',
      RELEASE_NS,
      '--set',
      `watchNamespaces={${BOT_NS}}`,
      '--wait',
      '--timeout',
      '120s',
    ]);
    expect(out).toMatch(/STATUS: deployed/);
    expect(out).toMatch(/Next steps/);
    const deployment = JSON.parse(
      kubectlOk(['get', 'deployment', deploymentName, '-n', RELEASE_NS, '-o', 'json']),
    );
    expect(deployment.status.readyReplicas).toBe(2);
    const canI = (verb: string, resource: string, where: string[]) =>
      kubectl([
        'auth',
        'can-i',
        verb,
        resource,
        '--as',
        `system:serviceaccount:${RELEASE_NS}:${RELEASE}`,
        ...where,
      ]).stdout.trim();
    // Least privilege: single Secret gets only, no listing; full control of the owned kinds.
    expect(canI('list', 'secrets', ['-A'])).toBe('no');
    expect(canI('get', 'secrets', ['-n', BOT_NS])).toBe('yes');
    expect(canI('patch', 'deployments', ['-n', BOT_NS])).toBe('yes');
    expect(canI('patch', 'deployments', ['-n', 'team-a'])).toBe('no');
    expect(canI('delete', 'namespaces', ['-A'])).toBe('no');

    operator = spawn(
      process.execPath,
      [
        '--experimental-strip-types',
        'src/operator/main.ts',
        '--metrics-address=127.0.0.1',
        '--leader-elect',
        `--namespaces=${BOT_NS}`,
        `--lease-namespace=${RELEASE_NS}`,
        '--metrics-port=0',
      ],
      {
        env: { ...process.env, KUBECONFIG: await chartServiceAccountKubeconfig() },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    kubectlOk(['apply', '-n', BOT_NS, '-f', 'deploy/samples/inventorybot.yaml']);
    const custom = admin.makeApiClient(CustomObjectsApi);
    const bot = await waitFor(
      () =>
        custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: BOT_NS,
          name: 'warehouse-sync',
        }),
      (b: any) => (b.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      { timeoutMs: 120_000, what: 'sample InventoryBot Ready' },
    );
    expect((bot as any).status.readyReplicas).toBeGreaterThanOrEqual(1);
    const table = kubectlOk(['get', 'ib', '-n', BOT_NS]);
    expect(table).toMatch(/warehouse-sync\s+1\s+1\s+1\s+10\s+WorkersReady\s/);
  });

  it('upgrades with changed values', () => {
    helmOk([
      'upgrade',
      RELEASE,
      CHART,
      '-n',
      RELEASE_NS,
      '--reuse-values',
      '--set',
      'replicaCount=3',
      '--set',
      'logLevel=debug',
      '--wait',
      '--timeout',
      '120s',
    ]);
    const deployment = JSON.parse(
      kubectlOk(['get', 'deployment', deploymentName, '-n', RELEASE_NS, '-o', 'json']),
    );
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([{ name: 'LOG_LEVEL', value: 'debug' }]),
    );
    expect(helmOk(['history', RELEASE, '-n', RELEASE_NS])).toMatch(/2\s+.*deployed/);
  });

  it('uninstalls the operator but keeps the CRD and the bots', () => {
    operator?.kill('SIGTERM');
    helmOk(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '120s']);
    expect(kubectl(['get', 'deployment', deploymentName, '-n', RELEASE_NS]).status).not.toBe(0);
    expect(kubectl(['get', 'clusterrole', RELEASE]).status).not.toBe(0);
    expect(kubectlOk(['get', 'crd', 'inventorybots.inventorybot.io', '-o', 'name'])).toMatch(/inventorybots/);
    expect(kubectlOk(['get', 'ib', 'warehouse-sync', '-n', BOT_NS, '-o', 'name'])).toMatch(/warehouse-sync/);
  });
});
