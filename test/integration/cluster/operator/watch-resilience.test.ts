// The informer supervisor end to end: the operator talks to the real kube-apiserver through a TCP proxy
// the test controls. (1) An outage (every connection cut, new ones refused for 5 s) while the bot's
// Service is deleted and its spec changed: the operator recovers by itself. (2) A black hole (connections
// stay open but carry nothing, for longer than maxSilenceMs): the supervisor notices the silence and
// re-lists, long before client-node's own 30 s watch inactivity timeout would.
import { jest } from '@jest/globals';
import { AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InventoryBot } from '../../../../src/api/inventory-bot.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { METRIC_NAMES } from '../../../../src/contracts/operator-metric-names.ts';
import {
  startOperator,
  type OperatorHandle,
  type OperatorOptions,
} from '../../../../src/operator/start-operator.ts';
import { clusterInfo } from '../../../cluster/cluster-info.ts';
import { kubeconfigYaml } from '../../../cluster/kubeconfig.ts';
import { MERGE_PATCH, prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef as sharedBotRef, createBot, readBot } from '../../../support/bot-objects.ts';
import { startTcpProxy, type TcpProxy } from '../../../support/tcp-proxy.ts';

jest.setTimeout(180_000);

const ns = 'watch-resilience';
const BOT = 'shop';
const WATCHED = [
  'inventorybots',
  'services',
  'horizontalpodautoscalers',
  'deployments',
  'configmaps',
  'pods',
];
/** client-node's watch inactivity timeout (Watch.requestTimeoutMs in 2.x). */
const CLIENT_NODE_WATCH_TIMEOUT_MS = 30_000;

let admin: KubeConfig;
let proxy: TcpProxy;
let viaProxy: KubeConfig;
let operator: OperatorHandle | undefined;
const quiet = createLogger({ level: 'error' });

const core = () => admin.makeApiClient(CoreV1Api);
const hpas = () => admin.makeApiClient(AutoscalingV2Api);
const custom = () => admin.makeApiClient(CustomObjectsApi);
const botRef = sharedBotRef(ns, BOT);
const getBot = () => readBot(admin, ns, BOT);
const isReady = (b: InventoryBot) =>
  b.status?.observedGeneration === b.metadata.generation &&
  b.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function startWith(options: Partial<OperatorOptions>): Promise<OperatorHandle> {
  return startOperator({
    metricsHost: '127.0.0.1',
    kubeConfig: viaProxy,
    namespaces: [ns],
    metricsPort: 0,
    logger: quiet,
    // No periodic requeue or resync: only watch events can make the operator notice a change.
    resyncPeriodMs: 10 * 60_000,
    secretRecheckMs: 10 * 60_000,
    queueRefreshMs: 10 * 60_000,
    ...options,
  });
}

/** The operator's /metrics, as `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${operator?.metricsPort}/metrics`);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}
const sample = (samples: Map<string, number>, name: string, resource: string) =>
  samples.get(`${name}{resource="${resource}"}`) ?? 0;
const restarts = async () => {
  const samples = await scrape();
  return Object.fromEntries(WATCHED.map((r) => [r, sample(samples, METRIC_NAMES.watchRestartsTotal, r)]));
};

/**
 * Waits until the operator is idle: queue empty, no reconcile running, none started for 1.5 s. Then only
 * a watch event can make it reconcile again (a reconcile in flight would retry and read the new spec).
 */
async function waitIdle(): Promise<void> {
  let last = '';
  let since = Date.now();
  await waitFor(
    async () => {
      const samples = await scrape();
      const sum = (prefix: string) =>
        [...samples].filter(([k]) => k.startsWith(prefix)).reduce((total, [, v]) => total + v, 0);
      const busy = sum(METRIC_NAMES.workqueueDepth) + sum(METRIC_NAMES.activeWorkers);
      const state = `${busy} ${sum(METRIC_NAMES.reconcileTotal)}`;
      if (state !== last || busy > 0) [last, since] = [state, Date.now()];
      return Date.now() - since;
    },
    (quietMs) => quietMs >= 1_500,
    { timeoutMs: 60_000, intervalMs: 250, what: 'operator idle' },
  );
}

async function waitConverged(maxReplicas: number, generation: number, what: string, timeoutMs = 60_000) {
  await waitFor(
    async () => ({
      bot: await getBot(),
      hpa: await hpas().readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: BOT }),
      service: await core().readNamespacedService({ namespace: ns, name: BOT }),
    }),
    ({ bot, hpa }) =>
      isReady(bot) && bot.metadata.generation === generation && hpa.spec?.maxReplicas === maxReplicas,
    { timeoutMs, intervalMs: 100, what },
  );
}

async function setMaxReplicas(maxReplicas: number): Promise<number> {
  const bot = (await custom().patchNamespacedCustomObject(
    { ...botRef, body: { spec: { scaling: { maxReplicas } } } },
    MERGE_PATCH,
  )) as InventoryBot;
  return bot.metadata.generation as number;
}

beforeAll(async () => {
  const prepared = await prepareOperatorNamespace(ns);
  admin = prepared.admin;
  const token = prepared.kubeConfig.getCurrentUser()?.token;
  if (!token) throw new Error('operator kubeconfig has no token');
  const info = clusterInfo();
  const apiserver = new URL(info.server);
  proxy = await startTcpProxy({ host: apiserver.hostname, port: Number(apiserver.port) });
  // The serving certificate's SANs include 127.0.0.1: TLS is verified through the proxy as usual.
  const path = join(info.workDir, `kubeconfig-${ns}-via-proxy.yaml`);
  writeFileSync(
    path,
    kubeconfigYaml({ server: `https://127.0.0.1:${proxy.port}`, caCert: info.caCertPath, token, user: ns }),
  );
  viaProxy = new KubeConfig();
  viaProxy.loadFromFile(path);
});

afterAll(async () => {
  await operator?.stop();
  await proxy?.close();
  await core()
    .deleteNamespace({ name: ns })
    .catch(() => undefined);
});

describe('watch resilience', () => {
  it('recovers from a 5 s API server outage: the Service deleted and the spec changed meanwhile are reconciled', async () => {
    // Default silence and resync: any restart counted here comes from the outage.
    operator = await startWith({ watch: { backoffInitialMs: 200, backoffMaxMs: 2_000 } });
    await createBot(admin, ns, BOT, sampleSpec({ scaling: { minReplicas: 1, maxReplicas: 3 } }));
    await waitFor(getBot, isReady, { timeoutMs: 90_000, intervalMs: 250, what: 'bot Ready' });
    await waitIdle();
    const serviceUid = (await core().readNamespacedService({ namespace: ns, name: BOT })).metadata?.uid;
    const before = await restarts();
    expect(Object.values(before).every((n) => n === 0)).toBe(true);

    proxy.refuse(true);
    proxy.cut();
    const outageStart = Date.now();
    await core().deleteNamespacedService({ namespace: ns, name: BOT });
    const generation = await setMaxReplicas(5);
    await sleep(5_000 - (Date.now() - outageStart));
    // The operator saw none of it yet: everything it tried went through the dead proxy.
    await expect(core().readNamespacedService({ namespace: ns, name: BOT })).rejects.toMatchObject({
      code: 404,
    });
    expect((await getBot()).status?.observedGeneration).toBeLessThan(generation);
    proxy.refuse(false);
    const restored = Date.now();

    await waitConverged(5, generation, 'Service recreated, HPA maxReplicas 5, observedGeneration followed');
    const recoveryMs = Date.now() - restored;
    const service = await core().readNamespacedService({ namespace: ns, name: BOT });
    expect(service.metadata?.uid).not.toBe(serviceUid);

    // Watch health: every watch restarted, and all are up again.
    const samples = await waitFor(
      scrape,
      (s) => WATCHED.every((r) => sample(s, METRIC_NAMES.watchUp, r) === 1),
      { timeoutMs: 60_000, intervalMs: 200, what: 'every watch up again' },
    );
    const after = Object.fromEntries(
      WATCHED.map((r) => [r, sample(samples, METRIC_NAMES.watchRestartsTotal, r)]),
    );
    for (const r of WATCHED) expect(after[r]).toBeGreaterThan(0);
    console.log(
      `outage 5 s: converged ${recoveryMs} ms after the proxy came back; watch restarts ${JSON.stringify(after)}`,
    );
    await operator.stop();
    operator = undefined;
  });

  it('re-lists a watch that went silent (black hole) long before client-node would time it out', async () => {
    const maxSilenceMs = 2_000;
    operator = await startWith({ watch: { maxSilenceMs, backoffInitialMs: 200, backoffMaxMs: 2_000 } });
    await waitConverged(5, (await getBot()).metadata.generation as number, 'converged after restart');
    await waitIdle();
    const before = await restarts();

    proxy.blackHole(true);
    const silenceStart = Date.now();
    const generation = await setMaxReplicas(7);
    await sleep(8_000 - (Date.now() - silenceStart));
    const during = await hpas().readNamespacedHorizontalPodAutoscaler({ namespace: ns, name: BOT });
    expect(during.spec?.maxReplicas).toBe(5);
    proxy.blackHole(false);
    const restored = Date.now();

    // Every connection open before the black hole is dead for good: only a new watch can see the
    // change. client-node would replace the bot watch no earlier than 30 s after its last byte, which
    // came before the black hole; the bound below is well inside that.
    const deadline = CLIENT_NODE_WATCH_TIMEOUT_MS - (restored - silenceStart) - 5_000;
    await waitConverged(7, generation, 'HPA maxReplicas 7 after the black hole', deadline);
    const recoveryMs = Date.now() - restored;
    const after = await restarts();
    expect(after.inventorybots).toBeGreaterThan(before.inventorybots as number);
    console.log(
      `black hole 8 s, maxSilenceMs ${maxSilenceMs}: converged ${recoveryMs} ms after it ended (bound ${deadline} ms); ` +
        `inventorybots watch restarts ${before.inventorybots} -> ${after.inventorybots}`,
    );
  });
});
