// The InventoryBot API on a real kube-apiserver, driven the way a user does: with kubectl.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { CRD_FILE } from '../../../../src/api/crd-yaml.ts';
import { CRD_NAME } from '../../../../src/api/names.ts';
import { kubectl, kubectlOk } from '../../../support/command-line.ts';
import { FAKE_NODE_NAME } from '../../../cluster/control-plane.ts';

const ns = 'api-test';

const sample = parse(readFileSync('deploy/samples/inventorybot.yaml', 'utf8')) as {
  metadata: { name: string };
  spec: Record<string, unknown>;
};

function botWith(name: string, patch: (spec: Record<string, any>) => void): string {
  const spec = structuredClone(sample.spec) as Record<string, any>;
  patch(spec);
  return stringify({
    apiVersion: 'inventorybot.io/v1alpha1',
    kind: 'InventoryBot',
    metadata: { name, namespace: ns },
    spec,
  });
}

async function eventually<T>(what: string, timeoutMs: number, fn: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(() => {
  kubectlOk(['apply', '--server-side', '--field-manager=inventorybot-test', '-f', CRD_FILE]);
  kubectlOk(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
  kubectlOk(['create', 'namespace', ns]);
});

describe('InventoryBot CRD on a real API server', () => {
  it('is Established and NamesAccepted', () => {
    const conditions = JSON.parse(kubectlOk(['get', 'crd', CRD_NAME, '-o', 'json'])).status.conditions as {
      type: string;
      status: string;
    }[];
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(conditions.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
  });

  it('accepts the sample and fills in the defaults', () => {
    kubectlOk(['apply', '-n', ns, '-f', 'deploy/samples/inventorybot.yaml']);
    const bot = JSON.parse(kubectlOk(['get', 'ib', sample.metadata.name, '-n', ns, '-o', 'json']));
    expect(bot.spec.scaling).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 70,
      queueLagPerReplica: 100,
    });
    expect(bot.spec.retry).toEqual({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, jitter: 'full' });
    expect(bot.spec.queue).toMatchObject({
      stream: 'inventory:batches',
      deadLetterStream: 'inventory:dead-letter',
      maxDeliveries: 5,
    });
    expect(bot.spec.slo).toMatchObject({
      availabilityPercent: 99.5,
      batchP95Seconds: 0.3,
      batchP99Seconds: 0.5,
      errorRatePercent: 2,
    });
    expect(bot.spec.roi).toMatchObject({ laborMinutesPerItem: 2 });
    expect(bot.spec.image).toMatchObject({
      repository: 'ghcr.io/inventorybot/inventorybot',
      pullPolicy: 'IfNotPresent',
    });
  });

  it('accepts the full sample', () => {
    kubectlOk(['apply', '-n', ns, '-f', 'deploy/samples/inventorybot-full.yaml']);
    const bot = JSON.parse(kubectlOk(['get', 'ib', 'warehouse-sync-eu', '-n', ns, '-o', 'json']));
    expect(bot.spec.scaling.minReplicas).toBe(2);
    expect(bot.spec.upstream.credentialsSecretRef).toEqual({ name: 'erp-credentials', key: 'token' });
  });

  const invalid: [string, (spec: Record<string, any>) => void, RegExp][] = [
    [
      'minReplicas above maxReplicas',
      (s) => (s.scaling = { minReplicas: 5, maxReplicas: 2 }),
      /spec\.scaling\.minReplicas/,
    ],
    [
      'base delay above max delay',
      (s) => (s.retry = { baseDelayMs: 9000, maxDelayMs: 100 }),
      /spec\.retry\.baseDelayMs/,
    ],
    [
      'secondary equal to primary',
      (s) => (s.upstream.secondaryUrl = s.upstream.primaryUrl),
      /spec\.upstream\.secondaryUrl/,
    ],
    [
      'both a Redis url and a secretRef',
      (s) => (s.queue.redis.secretRef = { name: 'redis' }),
      /spec\.queue\.redis/,
    ],
    [
      'no primary upstream',
      (s) => delete s.upstream.primaryUrl,
      /spec\.upstream\.primaryUrl: Required value/,
    ],
    ['a non-http upstream', (s) => (s.upstream.primaryUrl = 'ftp://inventory'), /spec\.upstream\.primaryUrl/],
    [
      'an unknown jitter',
      (s) => (s.retry = { jitter: 'sometimes' }),
      /spec\.retry\.jitter: Unsupported value/,
    ],
    [
      'zero maxReplicas',
      (s) => (s.scaling = { minReplicas: 0, maxReplicas: 0 }),
      /spec\.scaling\.maxReplicas/,
    ],
    [
      'the dead-letter stream equal to the stream',
      (s) => (s.queue.deadLetterStream = 'inventory:batches'),
      /spec\.queue\.deadLetterStream/,
    ],
    [
      'a malformed CPU request',
      (s) => (s.resources = { requests: { cpu: 'lots' } }),
      /spec\.resources\.requests\.cpu/,
    ],
    [
      'neither a CPU nor a queue lag target',
      (s) => (s.scaling = { targetCPUUtilizationPercentage: 0, queueLagPerReplica: 0 }),
      /spec\.scaling\.targetCPUUtilizationPercentage/,
    ],
    [
      'p95 objective above p99',
      (s) => (s.slo = { batchP95Seconds: 2, batchP99Seconds: 1 }),
      /spec\.slo\.batchP95Seconds/,
    ],
  ];

  it.each(invalid)('rejects %s with a message naming the field', (label, patch, message) => {
    const res = kubectl(
      ['apply', '-f', '-'],
      botWith(`bad-${invalid.findIndex((i) => i[0] === label)}`, patch),
    );
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/is invalid/);
    expect(res.stderr).toMatch(message);
  });

  it('shows the printer columns in kubectl get inventorybots', () => {
    const table = kubectlOk(['get', 'inventorybots', '-n', ns]);
    const header = table.split('\n')[0]!.trim().split(/\s+/);
    expect(header).toEqual([
      'NAME',
      'READY',
      'DESIRED',
      'MIN',
      'MAX',
      'LAG',
      'QUEUE-WANTS',
      'ETA',
      'DEAD-LETTERS',
      'STATUS',
      'AGE',
    ]);
    const row = table.split('\n').find((line) => line.startsWith(`${sample.metadata.name} `));
    // Status columns stay empty until the operator reports; spec columns show the defaults.
    expect(row).toMatch(/^warehouse-sync\s+2\s+10\s+\d+s$/);
  });

  it('has descriptions for kubectl explain inventorybot.spec', () => {
    const explain = kubectlOk(['explain', 'inventorybot.spec']);
    expect(explain).toMatch(/Desired state of an InventoryBot/);
    expect(explain).toMatch(/upstream\s+<Object> -required-/);
    const retry = kubectlOk(['explain', 'inventorybot.spec.retry.jitter']);
    expect(retry).toMatch(/Backoff jitter/);
  });

  it('keeps status as a subresource: a spec write cannot set status', () => {
    const bot = JSON.parse(kubectlOk(['get', 'ib', sample.metadata.name, '-n', ns, '-o', 'json']));
    bot.status = { readyReplicas: 7 };
    kubectlOk(['replace', '-f', '-'], JSON.stringify(bot));
    const after = JSON.parse(kubectlOk(['get', 'ib', sample.metadata.name, '-n', ns, '-o', 'json']));
    expect(after.status?.readyReplicas).toBeUndefined();
  });
});

describe('the local control plane', () => {
  it('reports the Kubernetes version it was built as', () => {
    const version = JSON.parse(kubectlOk(['version', '-o', 'json'])).serverVersion;
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('runs Deployment pods to Ready on the kwok node', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pause', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'pause' } },
        template: {
          metadata: { labels: { app: 'pause' } },
          spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    };
    kubectlOk(['apply', '-f', '-'], JSON.stringify(deployment));
    const ready = await eventually('2 ready pods', 90_000, () => {
      const d = JSON.parse(kubectlOk(['get', 'deployment', 'pause', '-n', ns, '-o', 'json']));
      return d.status?.readyReplicas === 2 ? d.status.readyReplicas : undefined;
    });
    expect(ready).toBe(2);
    const pods = JSON.parse(kubectlOk(['get', 'pods', '-n', ns, '-l', 'app=pause', '-o', 'json'])).items as {
      spec: { nodeName: string };
      status: { phase: string };
    }[];
    expect(pods.map((p) => [p.spec.nodeName, p.status.phase])).toEqual([
      [FAKE_NODE_NAME, 'Running'],
      [FAKE_NODE_NAME, 'Running'],
    ]);
  });
});

afterAll(() => {
  kubectl(['delete', 'namespace', ns, '--wait=false']);
});
