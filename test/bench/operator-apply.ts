// Operator apply: on a real local control plane, the operator (in a process of its own, compiled like
// the image, with the Node flags and env of deploy/: operator-process.ts; admin kubeconfig) reconciling M
// InventoryBots from a cold start, against a reference that server-side applies the same desired
// objects with client-node's KubernetesObjectApi.patch, with the same concurrency (one lane per
// operator worker, a bot's objects in order) over the same kind of keep-alive connection pool. Then
// a steady-state resync of every bot (nothing changed) in both: the API requests sent, by verb, and
// the objects they changed. The operator's peak RSS is its process's VmHWM (#14).
import {
  AppsV1Api,
  makeInformer,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PolicyV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSpec, type InventoryBot, type InventoryBotStatus } from '../../src/api/inventory-bot.ts';
import { GROUP, KIND, PLURAL, VERSION } from '../../src/api/names.ts';
import { startLocalRedis } from '../../src/cli/local/redis-server.ts';
import { parseMetrics, sumOf } from '../../src/contracts/prom-text.ts';
import { desiredObjects } from '../../src/operator/desired/desired-objects.ts';
import { Applier } from '../../src/operator/kube/apply.ts';
import { computeStatus } from '../../src/operator/status.ts';
import { METRIC_NAMES } from '../../src/contracts/operator-metric-names.ts';
import { withSharedConnections } from '../../src/operator/kube/shared-connections.ts';
import { kubectlIn, startControlPlane } from '../cluster/control-plane.ts';
import { ensureNamespace, installCrd } from '../support/kube.ts';
import {
  compileOperatorChild,
  OperatorProcess,
  productionRuntime,
  type ProductionRuntime,
} from './operator-process.ts';
import type { MemoryAtPeak } from './peak-memory.ts';
import { processFigures } from './proc.ts';
import { RequestCounter, type RequestCounts } from './request-counter.ts';
import { median } from './stats.ts';

export interface OperatorBenchOptions {
  bots: number;
  rounds: number;
  /** Operator workers; the reference applies with as many lanes. */
  workers: number;
  /**
   * An experiment (#14): both sides' kube-controller-manager with this HPA sync period (Kubernetes'
   * default is 15s; the test control plane's 5s syncs 1,000 HPAs three times as often).
   */
  hpaSyncPeriod?: string;
  /**
   * An experiment (#14): the reference also applies each bot's status after its children, as the
   * operator must, so both sides make the same writes (6 per bot, not 5).
   */
  referenceStatus?: boolean;
  log: (line: string) => void;
}

export const OPERATOR_BENCH_DEFAULTS: Omit<OperatorBenchOptions, 'log'> = { bots: 50, rounds: 2, workers: 4 };

const REFERENCE_FIELD_MANAGER = 'bench-reference';
const NO_MONITORING = { serviceMonitor: false, prometheusRule: false };

export interface ApplyMeasure {
  seconds: number;
  objects: number;
  objectsPerSecond: number;
  requests: RequestCounts;
  /** Objects whose resourceVersion changed (bots included), for the steady-state resync. */
  changed?: number;
}

export interface OperatorRound {
  round: number;
  /** Peak resident set (VmHWM) of the operator's process. */
  oursPeakRssBytes: number;
  /** Its resident set after the resync, idle. */
  oursIdleRssBytes: number;
  /** Where its memory was at its highest sampled resident set (#14). */
  oursAtPeak: MemoryAtPeak | undefined;
  cold: { ours: ApplyMeasure; reference: ApplyMeasure };
  resync: { ours: ApplyMeasure; reference: ApplyMeasure };
  /** All bots Ready before the resync (else the resync may legitimately write status). */
  settled: boolean;
}

export interface OperatorBenchResult {
  options: Omit<OperatorBenchOptions, 'log'>;
  /** How the operator's process ran (deploy/'s Node flags and env, or an experiment's flags). */
  runtime: ProductionRuntime;
  objectsPerBot: number;
  rounds: OperatorRound[];
  median: {
    coldOurs: number;
    coldReference: number;
    resyncOursSeconds: number;
    resyncReferenceSeconds: number;
  };
}

const botSpec = (redisUrl: string) => ({
  queue: { redis: { url: redisUrl } },
  upstream: { primaryUrl: 'http://127.0.0.1:1/api' },
});

/** Runs fn over items with `lanes` at a time. */
async function inLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

function clients(kubeConfig: KubeConfig) {
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    hpa: kubeConfig.makeApiClient(AutoscalingV2Api),
    policy: kubeConfig.makeApiClient(PolicyV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
  };
}

async function listBots(admin: KubeConfig, namespace: string): Promise<InventoryBot[]> {
  const list = (await clients(admin).custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace,
  })) as { items: InventoryBot[] };
  return list.items;
}

async function createBots(admin: KubeConfig, namespace: string, count: number, redisUrl: string) {
  await ensureNamespace(admin, namespace);
  const { custom } = clients(admin);
  const names = Array.from({ length: count }, (_, i) => `bot-${String(i).padStart(3, '0')}`);
  await inLanes(names, 8, async (name) => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: KIND,
        metadata: { name, namespace },
        spec: botSpec(redisUrl),
      },
    });
  });
}

/** kind/name → resourceVersion of the bots and every kind the operator writes, in one namespace. */
async function resourceVersions(admin: KubeConfig, namespace: string): Promise<Map<string, string>> {
  const { core, apps, hpa, policy } = clients(admin);
  type Named = { metadata?: { name?: string; resourceVersion?: string } };
  const lists: [string, Promise<{ items: Named[] }>][] = [
    ['InventoryBot', listBots(admin, namespace).then((items) => ({ items }))],
    ['ConfigMap', core.listNamespacedConfigMap({ namespace })],
    ['Service', core.listNamespacedService({ namespace })],
    ['Deployment', apps.listNamespacedDeployment({ namespace })],
    ['HorizontalPodAutoscaler', hpa.listNamespacedHorizontalPodAutoscaler({ namespace })],
    ['PodDisruptionBudget', policy.listNamespacedPodDisruptionBudget({ namespace })],
  ];
  const out = new Map<string, string>();
  for (const [kind, list] of lists) {
    for (const item of (await list).items) {
      out.set(`${kind}/${item.metadata?.name}`, item.metadata?.resourceVersion ?? '');
    }
  }
  return out;
}

/** Waits until no object in the namespace changed for quietMs (bounded): kwok and the controllers are done. */
async function waitStable(admin: KubeConfig, namespace: string, quietMs: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = await resourceVersions(admin, namespace);
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await resourceVersions(admin, namespace);
    if (changedCount(last, now) > 0 || now.size !== last.size) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return true;
  }
  return false;
}

/** CPU seconds so far of each process, by name (#14: where a cold start's time goes). */
function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  const host =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system (idle iowait excluded) irq softirq steal: every process on the host.
  const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (host[i] ?? 0), 0) / 100;
  return {
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processFigures(pid).cpuSeconds])),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    host: busy,
  };
}

/**
 * BENCH_APISERVER_PROFILE=dir (#14, diagnosis only): a Go CPU profile of the API server over the next
 * BENCH_APISERVER_PROFILE_SECONDS (10) seconds, written to dir/<label>.pprof.
 */
let benchBinDir = '';

function profileApiServer(kubeconfigPath: string, label: string): void {
  const dir = process.env.BENCH_APISERVER_PROFILE;
  if (!dir) return;
  const seconds = process.env.BENCH_APISERVER_PROFILE_SECONDS ?? '10';
  const out = openSync(join(dir, `${label}-${Date.now()}.pprof`), 'w');
  spawn(
    kubectlIn(benchBinDir),
    ['--kubeconfig', kubeconfigPath, 'get', '--raw', `/debug/pprof/profile?seconds=${seconds}`],
    {
      stdio: ['ignore', out, 'inherit'],
    },
  );
}

/**
 * BENCH_APISERVER_REQUESTS=1 (#14, diagnosis only): the API server's requests by verb and resource, and
 * the watch events it sent by kind, from its /metrics (every client's: the controllers' too).
 */
function apiserverCounts(kubeconfigPath: string): Map<string, number> | undefined {
  if (!process.env.BENCH_APISERVER_REQUESTS) return undefined;
  const text = execFileSync(
    kubectlIn(benchBinDir),
    ['--kubeconfig', kubeconfigPath, 'get', '--raw', '/metrics'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 2 ** 20,
    },
  );
  const counts = new Map<string, number>();
  for (const s of parseMetrics(text)) {
    let key: string | undefined;
    if (s.name === 'apiserver_request_total')
      key = `${s.labels.verb} ${s.labels.resource}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
    else if (s.name === 'apiserver_watch_events_total')
      key = `watch-event ${s.labels.resource ?? s.labels.kind}`;
    if (key) counts.set(key, (counts.get(key) ?? 0) + s.value);
  }
  return counts;
}

function countsLine(before: Map<string, number> | undefined, after: Map<string, number> | undefined): string {
  if (!before || !after) return '';
  return [...after]
    .map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

/** The control plane's processes by name (their /proc comm). */
export function planePids(pids: number[]): Record<string, number> {
  return Object.fromEntries(
    pids.map((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), pid];
      } catch {
        return [`pid${pid}`, pid];
      }
    }),
  );
}

function cpuLine(before: Record<string, number>, after: Record<string, number>, seconds: number): string {
  return Object.keys(after)
    .map((name) => `${name} ${((after[name] ?? 0) - (before[name] ?? 0)).toFixed(1)}`)
    .concat(`wall ${seconds.toFixed(1)}`)
    .join(', ');
}

const changedCount = (before: Map<string, string>, after: Map<string, string>) =>
  [...after].filter(([key, rv]) => before.get(key) !== rv).length;

const desiredList = (bot: InventoryBot): KubernetesObject[] =>
  Object.values(
    desiredObjects(
      { ...bot, spec: parseSpec(bot.spec) },
      { externalMetrics: false, monitoringKinds: NO_MONITORING },
    ),
  ).filter((o): o is KubernetesObject => o !== undefined);

/**
 * What the operator saw and did so far (#14: where a cold start's API server work goes): watch events by
 * resource and type, reconciles, work queue adds.
 */
async function operatorActivity(metricsPort: number): Promise<string> {
  const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
  const events = new Map<string, string[]>();
  for (const s of samples) {
    if (s.name !== METRIC_NAMES.watchEventsTotal || s.value === 0) continue;
    const resource = s.labels.resource ?? '?';
    events.set(resource, [...(events.get(resource) ?? []), `${s.labels.type} ${s.value}`]);
  }
  return [
    `reconciles ${sumOf(samples, METRIC_NAMES.reconcileTotal)}`,
    `queue adds ${sumOf(samples, METRIC_NAMES.workqueueAddsTotal)}`,
    `watch events: ${[...events].map(([r, t]) => `${r} (${t.join(', ')})`).join('; ')}`,
  ].join(', ');
}

async function operatorFigures(metricsPort: number) {
  const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
  return {
    reconciles: sumOf(samples, METRIC_NAMES.reconcileTotal),
    depth: sumOf(samples, METRIC_NAMES.workqueueDepth),
    active: sumOf(samples, METRIC_NAMES.activeWorkers),
  };
}

/** Waits until no reconcile ran for quietMs and the queue is empty (bounded). */
async function waitQuiet(metricsPort: number, quietMs: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const f = await operatorFigures(metricsPort);
    if (f.reconciles !== last || f.depth > 0 || f.active > 0) {
      last = f.reconciles;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return true;
    await sleep(100);
  }
  return false;
}

/**
 * Resolves once every bot in the namespace has status.observedGeneration equal to its generation,
 * seen through a watch (a list of 1,000 bots every few ms would load the API server the operator uses).
 */
async function watchAllObserved(admin: KubeConfig, namespace: string, bots: number) {
  const custom = clients(admin).custom;
  const informer = makeInformer<KubernetesObject>(
    admin,
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
    () =>
      custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
      }) as never,
  );
  const done = new Set<string>();
  let resolve: () => void = () => {};
  const all = new Promise<void>((r) => (resolve = r));
  const seen = (object: KubernetesObject) => {
    const bot = object as unknown as InventoryBot;
    if (bot.status?.observedGeneration === bot.metadata.generation) done.add(bot.metadata.name);
    if (done.size >= bots) resolve();
  };
  informer.on('add', seen);
  informer.on('update', seen);
  let stopped = false;
  informer.on('error', () => {
    if (!stopped) void informer.start().catch(() => undefined);
  });
  await informer.start();
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await informer.stop();
  };
  return { all, done: () => done.size, stop };
}

/** The status the operator writes for a bot it has just created the children of (a cold start's). */
export function coldStatus(now = new Date()): InventoryBotStatus {
  return computeStatus({
    generation: 1,
    previous: undefined,
    deployment: undefined,
    horizontalPodAutoscaler: undefined,
    problems: [],
    now,
  });
}

/** A bot as the bench creates it, to count the objects a bot owns before any reference run. */
const botForCount = (redisUrl: string): InventoryBot =>
  ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: KIND,
    metadata: { name: 'bot-000', namespace: 'count' },
    spec: botSpec(redisUrl),
  }) as unknown as InventoryBot;

async function oursRound(
  admin: KubeConfig,
  kubeconfigPath: string,
  namespace: string,
  o: Omit<OperatorBenchOptions, 'log'>,
  redisUrl: string,
  objectsPerBot: number,
  entry: string,
  log: (line: string) => void,
  pids: Record<string, number>,
  runtime: ProductionRuntime,
): Promise<{
  cold: ApplyMeasure;
  resync: ApplyMeasure;
  settled: boolean;
  peakRssBytes: number;
  idleRssBytes: number;
  atPeak: MemoryAtPeak | undefined;
}> {
  await createBots(admin, namespace, o.bots, redisUrl);
  const objects = o.bots * objectsPerBot;
  const observed = await watchAllObserved(admin, namespace, o.bots);
  const operator = await OperatorProcess.spawn(entry, kubeconfigPath, namespace, o.workers, runtime);
  try {
    const countsBefore = apiserverCounts(kubeconfigPath);
    const cpuBefore = cpuSnapshot({ ...pids, operator: operator.pid });
    profileApiServer(kubeconfigPath, 'apiserver-ours');
    const started = performance.now();
    const metricsPort = await operator.start();
    log(`operator: caches synced after ${((performance.now() - started) / 1000).toFixed(2)} s`);
    // Bounded, and scaled with the fleet (1,000 bots on 2 busy cores take minutes).
    const limitMs = 90_000 + o.bots * 500;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      observed.all,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`only ${observed.done()}/${o.bots} bots reconciled in ${limitMs / 1000} s`)),
          limitMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpuSnapshot({ ...pids, operator: operator.pid });
    const countsAfter = apiserverCounts(kubeconfigPath);
    log(`operator cold: ${await operatorActivity(metricsPort)}`);
    if (countsAfter) log(`operator cold API server: ${countsLine(countsBefore, countsAfter)}`);
    log(`operator cold CPU s: ${cpuLine(cpuBefore, cpuAfter, seconds)}`);
    const cold: ApplyMeasure = {
      seconds,
      objects,
      objectsPerSecond: objects / seconds,
      requests: await operator.take(),
    };
    await observed.stop();

    // Let the workload settle (kwok runs the pods, the status goes Ready), then resync every bot.
    let settled = false;
    // Pods start after the (fast) cold start: kwok and the scheduler take minutes for 1,000 of them here.
    const settleDeadline = Date.now() + 60_000 + o.bots * 300;
    while (!settled && Date.now() < settleDeadline) {
      const bots = await listBots(admin, namespace);
      settled = bots.every((b) =>
        b.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (!settled) await sleep(500);
    }
    if (!settled) log(`operator: not all bots in ${namespace} became Ready`);
    await waitQuiet(metricsPort, 2000, 30_000 + o.bots * 60);
    await waitStable(admin, namespace, 2000, 30_000 + o.bots * 60);
    log(
      `operator after the window until stable, CPU s: ${cpuLine(cpuAfter, cpuSnapshot({ ...pids, operator: operator.pid }), (performance.now() - started) / 1000 - seconds)}`,
    );
    const before = await resourceVersions(admin, namespace);
    const keys = (await listBots(admin, namespace)).map((bot) => `${namespace}/${bot.metadata.name}`);
    const reconcilesBefore = (await operatorFigures(metricsPort)).reconciles;
    await operator.take();
    const resyncStarted = performance.now();
    await operator.resync(keys);
    for (;;) {
      const f = await operatorFigures(metricsPort);
      if (f.reconciles >= reconcilesBefore + o.bots && f.depth === 0 && f.active === 0) break;
      if (performance.now() - resyncStarted > 60_000 + o.bots * 200)
        throw new Error('resync did not finish in time');
      await sleep(5);
    }
    const resyncSeconds = (performance.now() - resyncStarted) / 1000;
    const requests = await operator.take();
    const changed = changedCount(before, await resourceVersions(admin, namespace));
    if (requests.writes > 0) log(`operator resync writes: ${requests.writeTargets.join(', ')}`);
    const figures = operator.figures();
    // BENCH_HEAP_SNAPSHOT=dir (#14, diagnosis only): a heap snapshot of the idle operator after the resync.
    const snapshot = process.env.BENCH_HEAP_SNAPSHOT
      ? `${process.env.BENCH_HEAP_SNAPSHOT}/operator-${o.bots}-${Date.now()}.heapsnapshot`
      : undefined;
    const { usage, peak } = await operator.memory(snapshot);
    if (snapshot) log(`operator: heap snapshot ${snapshot}, memoryUsage ${JSON.stringify(usage)}`);
    return {
      cold,
      resync: {
        seconds: resyncSeconds,
        objects,
        objectsPerSecond: objects / resyncSeconds,
        requests,
        changed,
      },
      settled,
      peakRssBytes: figures.peakRssBytes,
      idleRssBytes: figures.rssBytes,
      atPeak: peak,
    };
  } finally {
    await observed.stop();
    await operator.stop();
  }
}

async function referenceRound(
  admin: KubeConfig,
  kubeconfigPath: string,
  namespace: string,
  o: Omit<OperatorBenchOptions, 'log'>,
  redisUrl: string,
  log: (line: string) => void,
  pids: Record<string, number>,
): Promise<{ cold: ApplyMeasure; resync: ApplyMeasure }> {
  await createBots(admin, namespace, o.bots, redisUrl);
  // Rendered before the clock starts: the reference measures the API round trips only.
  const bots = await listBots(admin, namespace);
  const perBot = bots.map((bot) => ({ bot, objects: desiredList(bot) }));
  const objects = perBot.flatMap((b) => b.objects).length;
  const counting = new RequestCounter();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  // Keep-alive connections as the operator has them (#14): the reference measures the applies, not
  // client-node's TLS handshake per request.
  const access = withSharedConnections(counting.wrap(kubeConfig));
  const api = KubernetesObjectApi.makeApiClient(access);
  const applier = new Applier(access);
  // One status for the round: the resync's applies repeat the cold start's (no-ops, as the children's).
  const status = o.referenceStatus ? coldStatus() : undefined;
  const applyAll = async (): Promise<ApplyMeasure> => {
    counting.take();
    const started = performance.now();
    await inLanes(perBot, o.workers, async ({ bot, objects: list }) => {
      for (const object of list) {
        await api.patch(
          object,
          undefined,
          undefined,
          REFERENCE_FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
      }
      if (status) {
        // No resourceVersion: the resync applies it again over the cold start's write.
        await applier.applyStatus(
          { ...bot, metadata: { ...bot.metadata, resourceVersion: undefined } },
          status,
        );
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, objects, objectsPerSecond: objects / seconds, requests: counting.take() };
  };
  const countsBefore = apiserverCounts(kubeconfigPath);
  const cpuBefore = cpuSnapshot(pids);
  profileApiServer(kubeconfigPath, 'apiserver-reference');
  const cold = await applyAll();
  const cpuAfter = cpuSnapshot(pids);
  const countsAfter = apiserverCounts(kubeconfigPath);
  if (countsAfter) log(`reference cold API server: ${countsLine(countsBefore, countsAfter)}`);
  log(`reference cold CPU s: ${cpuLine(cpuBefore, cpuAfter, cold.seconds)}`);
  // Same as for the operator: let the Deployments roll out and the controllers settle first.
  const windowEnded = performance.now();
  await waitStable(admin, namespace, 2000, 60_000 + o.bots * 60);
  // What the applies set off after the clock stopped (#14: the rollout the window leaves out).
  log(
    `reference after the window until stable, CPU s: ${cpuLine(cpuAfter, cpuSnapshot(pids), (performance.now() - windowEnded) / 1000)}`,
  );
  const before = await resourceVersions(admin, namespace);
  const resync = await applyAll();
  resync.changed = changedCount(before, await resourceVersions(admin, namespace));
  return { cold, resync };
}

export async function runOperatorBench(options: OperatorBenchOptions): Promise<OperatorBenchResult> {
  const { log, ...o } = options;
  log('operator: compiling the operator to dist/bench');
  const entry = compileOperatorChild();
  const runtime = productionRuntime();
  const redis = await startLocalRedis();
  const rounds: OperatorRound[] = [];
  // How many objects a bot owns: the desired objects of one, as both sides render them.
  const objectsPerBot = desiredList(botForCount(redis.url)).length;
  /**
   * Each side on a control plane of its own, started for it (#14): the same start for both. On one shared
   * cluster the side that ran second paid for the first side's leftovers: its rollout still under way
   * (393 pods created, 902 scale reads by the HPA controller in ours' window), and after a wait for the
   * namespace to be gone still ~1.5× the CPU of a fresh cluster (ours 36.7 s after the reference's
   * namespace, 24.4 s on a fresh cluster, same code).
   */
  const onFreshPlane = async <T>(
    run: (admin: KubeConfig, kubeconfigPath: string, pids: Record<string, number>) => Promise<T>,
  ) => {
    log('operator: starting a fresh local control plane');
    const plane = await startControlPlane(o.hpaSyncPeriod ? { hpaSyncPeriod: o.hpaSyncPeriod } : {});
    benchBinDir = plane.binDir;
    try {
      const admin = new KubeConfig();
      admin.loadFromFile(plane.kubeconfigPath);
      await installCrd(admin);
      return await run(admin, plane.kubeconfigPath, planePids(plane.pids));
    } finally {
      await plane.stop();
    }
  };
  try {
    for (let round = 1; round <= o.rounds; round++) {
      const ns = { ours: `bench-ours-${round}`, reference: `bench-reference-${round}` };
      let ours: Awaited<ReturnType<typeof oursRound>> | undefined;
      let reference: Awaited<ReturnType<typeof referenceRound>> | undefined;
      const runOurs = async () => {
        ours = await onFreshPlane((admin, kubeconfigPath, pids) =>
          oursRound(admin, kubeconfigPath, ns.ours, o, redis.url, objectsPerBot, entry, log, pids, runtime),
        );
      };
      const runReference = async () => {
        reference = await onFreshPlane((admin, kubeconfigPath, pids) =>
          referenceRound(admin, kubeconfigPath, ns.reference, o, redis.url, log, pids),
        );
        if (reference.cold.objects !== o.bots * objectsPerBot)
          throw new Error('the two sides apply different objects');
      };
      // Alternating order, the reference first in odd rounds: each side still starts on its own plane.
      if (round % 2 === 1) {
        await runReference();
        await runOurs();
      } else {
        await runOurs();
        await runReference();
      }
      if (!ours || !reference) throw new Error('round did not run');
      rounds.push({
        round,
        cold: { ours: ours.cold, reference: reference.cold },
        resync: { ours: ours.resync, reference: reference.resync },
        settled: ours.settled,
        oursPeakRssBytes: ours.peakRssBytes,
        oursIdleRssBytes: ours.idleRssBytes,
        oursAtPeak: ours.atPeak,
      });
      log(
        `operator round ${round}: cold ${Math.round(ours.cold.objectsPerSecond)} vs ` +
          `${Math.round(reference.cold.objectsPerSecond)} objects/s; resync ${ours.resync.seconds.toFixed(2)} s ` +
          `vs ${reference.resync.seconds.toFixed(2)} s, ${ours.resync.requests.writes} vs ` +
          `${reference.resync.requests.writes} write requests, ${ours.resync.changed} vs ` +
          `${reference.resync.changed} objects changed`,
      );
    }
  } finally {
    await redis.stop();
  }
  return {
    options: o,
    runtime,
    objectsPerBot,
    rounds,
    median: {
      coldOurs: median(rounds.map((r) => r.cold.ours.objectsPerSecond)),
      coldReference: median(rounds.map((r) => r.cold.reference.objectsPerSecond)),
      resyncOursSeconds: median(rounds.map((r) => r.resync.ours.seconds)),
      resyncReferenceSeconds: median(rounds.map((r) => r.resync.reference.seconds)),
    },
  };
}
