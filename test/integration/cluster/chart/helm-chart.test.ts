// The Helm chart on the real local control plane: lint, server-side dry runs of several value sets,
// deploy/ freshness, and a real install whose ServiceAccount and RBAC run the operator (not admin).
import { jest } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CRD_NAME, GROUP, LEADER_ELECTION_LEASE, PLURAL, VERSION } from '../../../../src/api/names.ts';
import { clusterInfo } from '../../../cluster/cluster-info.ts';
import { kubeconfigYaml } from '../../../cluster/kubeconfig.ts';
import { helm, helmOk, kubectl, kubectlOk } from '../../../support/command-line.ts';
import { adminKubeConfig, ensureNamespace, waitFor } from '../../../support/kube.ts';
import {
  CERT_MANAGER_CRDS,
  PROMETHEUS_OPERATOR_CRDS,
  withStandIns,
  type StandIn,
} from '../../../support/stand-in-crds.ts';
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

const docsOf = (rendered: string) =>
  parseAllDocuments(rendered)
    .map(
      (d) =>
        d.toJS() as {
          kind?: string;
          metadata?: { name?: string; annotations?: Record<string, string> };
        } & Record<string, any>,
    )
    .filter((d) => d?.kind);

describe('server-side dry runs', () => {
  const valueSets: [string, object, string[], readonly StandIn[]][] = [
    ['default', {}, [], []],
    ['namespaced', { watchNamespaces: ['team-a', 'team-b'], replicaCount: 3 }, [], []],
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
      PROMETHEUS_OPERATOR_CRDS,
    ],
    // helm template / GitOps: no Capabilities, the objects are forced.
    [
      'monitoring-forced',
      { serviceMonitor: { enabled: true, force: true }, prometheusRule: { enabled: true, force: true } },
      [],
      PROMETHEUS_OPERATOR_CRDS,
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
      [],
    ],
    ['external-metrics', { externalMetrics: { enabled: true }, networkPolicy: { enabled: true } }, [], []],
    [
      'cert-manager',
      { externalMetrics: { enabled: true, certManager: { enabled: true } } },
      ['--api-versions', 'cert-manager.io/v1'],
      CERT_MANAGER_CRDS,
    ],
    [
      'conventions',
      {
        fullnameOverride: 'ibot',
        image: { digest: `sha256:${'ab'.repeat(32)}` },
        podSecurityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        extraArgs: ['--lease-namespace={{ .Release.Namespace }}'],
        extraEnv: [{ name: 'EXTRA', value: '{{ .Release.Name }}' }],
        extraObjects: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: '{{ .Release.Name }}-extra' },
            data: { a: 'b' },
          },
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra-text\n',
        ],
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { 'app.kubernetes.io/instance': '{{ .Release.Name }}' } },
          },
        ],
      },
      [],
      [],
    ],
    ['secrets-in-two-namespaces', { rbac: { secretNamespaces: ['team-a', 'team-b'] } }, [], []],
    ['no-secret-access', { rbac: { clusterWideSecrets: false } }, [], []],
  ];

  it.each(valueSets)('accepts the %s values', (name, values, extra, crds) => {
    const lint = helmOk([
      'lint',
      CHART,
      '--strict',
      '--kube-version',
      '1.37.2',
      '-f',
      valuesFile(name, values),
    ]);
    expect(lint).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
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
    if (name === 'monitoring' || name === 'monitoring-forced') {
      expect(kinds).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    }
    if (name === 'monitoring') expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'NetworkPolicy']));
    const docs = docsOf(rendered);
    const deployment = docs.find((d) => d.kind === 'Deployment') as any;
    if (name === 'cert-manager') {
      expect(kinds.filter((k) => k === 'Certificate')).toHaveLength(2);
      expect(kinds.filter((k) => k === 'Issuer')).toHaveLength(2);
      expect(kinds).not.toContain('Secret');
      const apiService = docs.find((d) => d.kind === 'APIService') as any;
      expect(apiService.metadata.annotations['cert-manager.io/inject-ca-from']).toBe(
        `${RELEASE_NS}/${RELEASE}-external-metrics`,
      );
      expect(apiService.spec.caBundle).toBeUndefined();
      expect(deployment.spec.template.spec.volumes).toEqual(
        expect.arrayContaining([
          { name: 'external-metrics-tls', secret: { secretName: `${RELEASE}-external-metrics-tls` } },
        ]),
      );
    }
    if (name === 'conventions') {
      expect(deployment.metadata.name).toBe('ibot');
      const container = deployment.spec.template.spec.containers[0];
      expect(container.image).toBe(`ghcr.io/inventorybot/inventorybot@sha256:${'ab'.repeat(32)}`);
      expect(container.args).toContain(`--lease-namespace=${RELEASE_NS}`);
      expect(container.env).toContainEqual({ name: 'EXTRA', value: RELEASE });
      expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(10001);
      expect(deployment.spec.template.spec.topologySpreadConstraints).toEqual([
        expect.objectContaining({
          topologyKey: 'topology.kubernetes.io/zone',
          labelSelector: { matchLabels: { 'app.kubernetes.io/instance': RELEASE } },
        }),
      ]);
      expect(docs.filter((d) => d.kind === 'ConfigMap').map((d) => d.metadata?.name)).toEqual([
        `${RELEASE}-extra`,
        `${RELEASE}-extra-text`,
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
    // #18: Secret gets granted as narrowly as asked; cluster-wide only by default.
    const secretGrants = rendered
      .split('\n---')
      .filter((doc) => /resources:\s*\n?\s*- secrets|resources: \[secrets\]/.test(doc));
    if (name === 'secrets-in-two-namespaces') {
      expect(secretGrants.map((doc) => /^kind: (\w+)/m.exec(doc)?.[1])).toEqual(['Role', 'Role']);
      expect(secretGrants.map((doc) => /namespace: (\S+)/.exec(doc)?.[1])).toEqual(['team-a', 'team-b']);
    }
    if (name === 'no-secret-access') expect(secretGrants).toEqual([]);
    if (name === 'minimal') {
      expect(kinds).not.toEqual(expect.arrayContaining(['CustomResourceDefinition']));
      expect(kinds).not.toContain('ClusterRole');
    }
    withStandIns(crds, () => {
      const out = kubectlOk(['apply', '--dry-run=server', '-f', '-'], rendered);
      expect(out).toMatch(/deployment\.apps\/\S+ (created|configured|unchanged) \(server dry run\)/);
    });
  });

  it('works as a subchart whose parent sets global values', () => {
    // A parent chart depending on this one by path, as an umbrella chart would (global is in the schema).
    const parent = join(clusterInfo().workDir, 'umbrella');
    mkdirSync(parent, { recursive: true });
    const version = (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version;
    writeFileSync(
      join(parent, 'Chart.yaml'),
      stringify({
        apiVersion: 'v2',
        name: 'umbrella',
        version: '1.0.0',
        dependencies: [{ name: 'inventorybot-operator', version, repository: `file://${resolve(CHART)}` }],
      }),
    );
    writeFileSync(
      join(parent, 'values.yaml'),
      stringify({
        global: { imageRegistry: 'registry.example.com', imagePullSecrets: ['regcred'] },
        'inventorybot-operator': { replicaCount: 1, leaderElection: { enabled: false } },
      }),
    );
    helmOk(['dependency', 'update', parent]);
    const rendered = helmOk(['template', RELEASE, parent, '-n', RELEASE_NS, '--kube-version', '1.37.2']);
    const deployment = docsOf(rendered).find((d) => d.kind === 'Deployment') as any;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.containers[0].image).toMatch(
      /^registry\.example\.com\/ghcr\.io\/inventorybot\/inventorybot:/,
    );
    expect(deployment.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    const out = kubectlOk(['apply', '--dry-run=server', '-f', '-'], rendered);
    expect(out).toMatch(/deployment\.apps\/inventorybot created \(server dry run\)/);
  });

  it('reuses the external-metrics certificate of the cluster (lookup): an upgrade does not roll the operator', () => {
    const release = 'certcheck';
    const args = ['template', release, CHART, '-n', RELEASE_NS, '--kube-version', '1.37.2'];
    const values = ['--set', 'externalMetrics.enabled=true'];
    const first = docsOf(helmOk([...args, ...values]));
    const secret = first.find((d) => d.kind === 'Secret') as any;
    const pod = (docs: any[]) => docs.find((d) => d.kind === 'Deployment').spec.template;
    const caBundle = (docs: any[]) => docs.find((d) => d.kind === 'APIService').spec.caBundle;
    // Without a cluster, each render makes a new certificate, and the pod template changes with it.
    expect(pod(docsOf(helmOk([...args, ...values])))).not.toEqual(pod(first));
    // The first install's Secret in the cluster: later renders (upgrades) find it and keep it.
    kubectlOk(['apply', '--server-side', '-f', '-'], JSON.stringify(secret));
    try {
      const upgrade = docsOf(helmOk([...args, ...values, '--dry-run=server']));
      expect((upgrade.find((d) => d.kind === 'Secret') as any).data).toEqual(secret.data);
      expect(caBundle(upgrade)).toBe(secret.data['ca.crt']);
      expect(pod(upgrade)).toEqual(pod(first));
      expect(pod(upgrade).metadata.annotations['inventorybot.io/external-metrics-cert']).toMatch(
        /^[0-9a-f]{16}$/,
      );
    } finally {
      kubectlOk(['delete', 'secret', secret.metadata.name, '-n', RELEASE_NS]);
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
    // The lease owner (#10): its own Deployment, read only.
    expect(canI('get', 'deployments', ['-n', RELEASE_NS])).toBe('yes');
    expect(canI('delete', 'deployments', ['-n', RELEASE_NS])).toBe('no');
    expect(deployment.spec.template.spec.containers[0].env).toContainEqual({
      name: 'OPERATOR_DEPLOYMENT',
      value: deploymentName,
    });

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
        // As the chart's pod runs it (OPERATOR_DEPLOYMENT): its Deployment owns the Lease (#10).
        env: {
          ...process.env,
          KUBECONFIG: await chartServiceAccountKubeconfig(),
          OPERATOR_DEPLOYMENT: deploymentName,
        },
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
      // The sample leaves spec.scaling to the defaults: minReplicas 2 (N+1, #15). The Deployment starts at
      // 1 until the HPA raises it to its minimum, so Ready alone may still be 1 of 1.
      (b: any) =>
        (b.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') &&
        b.status?.readyReplicas >= 2,
      { timeoutMs: 120_000, what: 'sample InventoryBot Ready with its 2 workers' },
    );
    expect((bot as any).status.readyReplicas).toBeGreaterThanOrEqual(2);
    const table = kubectlOk(['get', 'ib', '-n', BOT_NS]);
    // STATUS is the most important condition (#14): Ready's reason, unless Degraded (here the HPA has
    // no metrics-server to read, so it may well be AutoscalerUnableToScale).
    const conditions = (bot as any).status.conditions as { type: string; status: string; reason: string }[];
    const degraded = conditions.find((c) => c.type === 'Degraded' && c.status === 'True');
    const status = table.match(/warehouse-sync\s+2\s+2\s+2\s+10\s+(\w+)\s/)?.[1];
    expect(status).toBe(degraded ? degraded.reason : 'WorkersReady');
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

  it('upgrades without changes without rolling the operator', () => {
    const before = JSON.parse(
      kubectlOk(['get', 'deployment', deploymentName, '-n', RELEASE_NS, '-o', 'json']),
    );
    helmOk(['upgrade', RELEASE, CHART, '-n', RELEASE_NS, '--reuse-values', '--wait', '--timeout', '120s']);
    const after = JSON.parse(
      kubectlOk(['get', 'deployment', deploymentName, '-n', RELEASE_NS, '-o', 'json']),
    );
    expect(helmOk(['history', RELEASE, '-n', RELEASE_NS])).toMatch(/3\s+.*deployed/);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template).toEqual(before.spec.template);
  });

  it('uninstalls the operator, and its leader Lease with it, but keeps the CRD and the bots', async () => {
    const lease = () => kubectl(['get', 'lease', LEADER_ELECTION_LEASE, '-n', RELEASE_NS, '-o', 'json']);
    const owners = JSON.parse(lease().stdout).metadata.ownerReferences as { kind: string; name: string }[];
    expect(owners.map((o) => `${o.kind}/${o.name}`)).toEqual([`Deployment/${deploymentName}`]);
    operator?.kill('SIGTERM');
    await waitFor(
      () => operator?.exitCode,
      (code) => code !== null,
      { timeoutMs: 15_000, what: 'the operator to exit' },
    );
    helmOk(['uninstall', RELEASE, '-n', RELEASE_NS, '--wait', '--timeout', '120s']);
    // Deleted by the garbage collector once its owner, the Deployment, is gone (#10).
    await waitFor(
      () => lease().status,
      (status) => status !== 0,
      { timeoutMs: 60_000, what: 'the leader Lease deleted with the Deployment' },
    );
    expect(kubectl(['get', 'deployment', deploymentName, '-n', RELEASE_NS]).status).not.toBe(0);
    expect(kubectl(['get', 'clusterrole', RELEASE]).status).not.toBe(0);
    expect(kubectlOk(['get', 'crd', 'inventorybots.inventorybot.io', '-o', 'name'])).toMatch(/inventorybots/);
    expect(kubectlOk(['get', 'ib', 'warehouse-sync', '-n', BOT_NS, '-o', 'name'])).toMatch(/warehouse-sync/);
  });
});
