// A burst and the scale-in after it on the real node (#15). Two bots side by side, the same in all but
// spec.scaling.scaleInOrder: "idle-first" (IdleFirst, the default: the operator keeps each worker pod's
// pod-deletion-cost at its batches in flight) and "replica-set" (ReplicaSet: the control run, the
// ReplicaSet's own order, newest first). Both run the defaults minReplicas 2 / maxReplicas 10 and scale on
// queue lag (external metrics); each worker is held to 8 upstream calls/s, so a batch of 1,000 items
// takes about two minutes. Per bot:
// - steady traffic: 1 batch/s of 5 items (an enqueue Job, 20 batches);
// - the burst: 100 batches/s (100x the steady rate) of 5 items, 300 batches, and two "full syncs" of 1,000
//   items near and at the tail (the work a scale-in must not cut: its worker cannot finish it within the
//   25 s shutdown grace; near the tail it most often goes to a worker the scale-out added, one a
//   ReplicaSet removes first).
// Redelivered batches can only come from the scale-in: the simulator fails nothing, nothing else stops.
// Asserted: the HPA sets maxReplicas in at most two of its decisions after the first burst batch, none held
// back by a scale-up policy; the burst drains; the HPA scales in to minReplicas; with IdleFirst no pod
// holding a batch is removed and 0 batches are redelivered, without it the ReplicaSet removes a busy pod and
// its batch is redelivered (> 0); every item applied exactly once, nothing dead-lettered.
import { HPA_SYNC_PERIOD_SECONDS, PROJECT_IMAGE } from '../../cluster/real-node.ts';
import { kubectlOk } from '../../support/command-line.ts';
import { exactlyOnceViolations } from '../../support/queue-fixture.ts';
import {
  kubectlJson,
  pods as podsOfNamespace,
  realNodeInfo,
  runningReady as ready,
  type PodJson,
} from '../../support/real-node-pods.ts';
import {
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  installTestRelease,
  removeTestWorld,
  startRedisAndSimulator,
  waitForExternalMetricsApi,
  type TestWorld,
} from '../../support/real-node-release.ts';
import { enqueueJobJson, type EnqueueSource } from '../../support/real-node-workloads.ts';
import { ledgerSummary, remoteLedger } from '../../support/remote-ledger.ts';
import { waitFor } from '../../support/wait-for.ts';
import { LABELS } from '../../../src/api/names.ts';
import { workloadName } from '../../../src/operator/desired/object-names.ts';
import { expectedItemKeys, syntheticBatches } from '../../../src/cli/workload.ts';
import { parseMetrics, sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import { DELETION_COST_ANNOTATION } from '../../../src/operator/scaling/deletion-cost.ts';
import type { BatchMessage } from '../../../src/worker/message.ts';

const node = realNodeInfo();
const NS = 'burst-scale-in';
const GROUP = 'inventorybot';
const REDIS_URL = `redis://redis.${NS}.svc:6379`;
const MIN = 2; // the defaults (#15): N+1 ...
const MAX = 10; // ... up to 10
const STEADY = { batches: 20, items: 5, rate: 1 };
const BURST = { batches: 300, items: 5, rate: 100 * STEADY.rate };
// Two long batches, 20 burst batches apart (#15's test, made robust): each goes to whichever worker reads
// it, most often one the scale-out added, sometimes an original (a CI run saw one); with two read apart,
// the control run needs only one of them on a newer pod. At most minReplicas of them, so IdleFirst can
// keep every holder.
const LONG = { batches: 2, items: 1000, apart: 20 };
// The scale-in waits this long after the queue drains, so that it begins with all 10 workers ready: with 10
// s it raced their start (ready 21-38 s after the first burst batch, scale-in 28-44 s; a CI run timed out
// waiting for 10 ready after the scale-in had begun). Hence also 8 calls/s per worker, not 15: a long
// batch's holder must still be busy past the 25 s shutdown grace when the later scale-in removes it (a
// batch holds at most 1,000 items).
const SCALE_DOWN_STABILIZATION_SECONDS = 30;
const CALLS_PER_SECOND = 8;
const SYNC_MS = HPA_SYNC_PERIOD_SECONDS * 1000;

type Order = 'IdleFirst' | 'ReplicaSet';
interface Lane {
  bot: string;
  order: Order;
  stream: string;
  burst: BatchMessage[];
  long: BatchMessage[];
  steady: BatchMessage[];
  /** Worker pods before the burst: the oldest, the ones a ReplicaSet keeps. */
  originals: string[];
  /** Stream ids of the long batch(es). */
  longIds: string[];
  firstBurstAt?: number;
  maxAt?: number;
  allReadyAt?: number;
  scaleInAt?: number;
  settledAt?: number;
  /** Long batch id -> the consumer (pod) holding it when the scale-in began. */
  holdersAtScaleIn: Record<string, string>;
  /** Pod -> what it held (pending entries) and its deletion cost when it was seen leaving. */
  removed: Record<string, { held: string[]; cost: string | undefined }>;
  /** Entry id -> highest delivery count seen, for entries delivered more than once. */
  redelivered: Record<string, number>;
}

const lane = (bot: string, order: Order): Lane => {
  const run = `${bot}-${Date.now().toString(36)}`;
  return {
    bot,
    order,
    stream: `${bot}:batches`,
    burst: [
      ...syntheticBatches({
        batches: BURST.batches,
        warehouses: 4,
        minItems: BURST.items,
        maxItems: BURST.items,
        seed: 2,
        runId: `${run}-burst`,
      }),
    ],
    long: [
      ...syntheticBatches({
        batches: LONG.batches,
        warehouses: 1,
        minItems: LONG.items,
        maxItems: LONG.items,
        seed: 3,
        runId: `${run}-long`,
      }),
    ],
    // What the steady enqueue Job generates (`--count --batch-size --run-id`, default seed and warehouses).
    steady: [
      ...syntheticBatches({
        batches: STEADY.batches,
        warehouses: 4,
        minItems: STEADY.items,
        maxItems: STEADY.items,
        seed: 1,
        runId: `${run}-steady`,
      }),
    ],
    originals: [],
    longIds: [],
    holdersAtScaleIn: {},
    removed: {},
    redelivered: {},
  };
};
const lanes = [lane('idle-first', 'IdleFirst'), lane('replica-set', 'ReplicaSet')];
const runIdOf = (b: BatchMessage) => b.batchId.replace(/-\d{6}$/, '');

const workerPods = (): PodJson[] => podsOfNamespace(NS, `${LABELS.component}=worker`);
const podsOf = (pods: PodJson[], l: Lane) =>
  pods.filter((p) => p.metadata.labels?.[LABELS.instance] === l.bot);
const replicas = (): Record<string, number> => {
  const list = kubectlJson<{ items: { metadata: { name: string }; spec: { replicas?: number } }[] }>([
    'get',
    'deploy',
    '-n',
    NS,
    '-l',
    `${LABELS.component}=worker`,
  ]);
  return Object.fromEntries(list.items.map((d) => [d.metadata.name, d.spec.replicas ?? 0]));
};
/**
 * In one kubectl call (this polls every 250 ms through the burst), each worker Deployment's replicas and
 * the reason each HPA's ScalingLimited condition gives when true. "ScaleUpLimit" is a scale-up policy
 * holding back what the metric asks for (the default's +4 pods or x2 per 15 s); "TooManyReplicas" is
 * maxReplicas, which a burst may well ask past.
 */
const scaleState = () => {
  const list = kubectlJson<{
    items: {
      kind: string;
      metadata: { name: string };
      spec: { replicas?: number };
      status?: { conditions?: { type: string; status: string; reason?: string }[] };
    }[];
  }>(['get', 'deploy,hpa', '-n', NS, '-l', `${LABELS.component}=worker`]);
  const of = (kind: string) => list.items.filter((o) => o.kind === kind);
  return {
    replicas: Object.fromEntries(of('Deployment').map((d) => [d.metadata.name, d.spec.replicas ?? 0])),
    limits: Object.fromEntries(
      of('HorizontalPodAutoscaler').map((h) => [
        h.metadata.name,
        h.status?.conditions?.find((c) => c.type === 'ScalingLimited' && c.status === 'True')?.reason,
      ]),
    ),
  };
};
/**
 * The HPA's SuccessfulRescale events last seen in [from, to] (whole seconds, as events keep time), oldest
 * first: the size it set, and why ("external metric ...").
 */
const rescaleEvents = (hpa: string, from: number, to: number) =>
  kubectlJson<{ items: { message: string; firstTimestamp?: string; lastTimestamp?: string }[] }>([
    'get',
    'events',
    '-n',
    NS,
    '--field-selector',
    `reason=SuccessfulRescale,involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${hpa}`,
  ])
    .items.filter((e) => {
      const at = Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? '');
      return at >= from - 1000 && at <= to + 1000;
    })
    .sort((a, b) => Date.parse(a.lastTimestamp ?? '') - Date.parse(b.lastTimestamp ?? ''))
    .map((e) => {
      const m = /New size: (\d+); reason: (.*)$/.exec(e.message);
      // The reason without the selector the HPA prints in full.
      const why = (m?.[2] ?? e.message).replace(/\(&LabelSelector.*\)/, '');
      return { size: Number(m?.[1]), why, at: Date.parse(e.lastTimestamp ?? '') };
    });
/** The operator's log lines in [from, to] that answered a held queue-lag figure (Redis slow or down). */
const heldFigures = (from: number, to: number) =>
  kubectlOk(['logs', '-n', `${NS}-system`, '-l', `app.kubernetes.io/instance=${NS}`, '--tail=-1'])
    .split('\n')
    .filter((line) => line.includes('queue lag unavailable'))
    .filter((line) => {
      const at = Date.parse(/"timestamp":"([^"]+)"/.exec(line)?.[1] ?? '');
      return at >= from && at <= to;
    }).length;
/** One enqueue Job per bot, onto the bot's own stream. */
const enqueueOnEveryBot = (job: (l: Lane) => { name: string; rate: number } & EnqueueSource) => {
  for (const l of lanes) {
    kubectlOk(
      ['apply', '-f', '-'],
      enqueueJobJson(NS, PROJECT_IMAGE, { redisUrl: REDIS_URL, stream: l.stream, ...job(l) }),
    );
  }
};

const redisEval = (script: string, keys: string[], args: string[]) =>
  kubectlOk([
    'exec',
    '-n',
    NS,
    'deploy/redis',
    '--',
    'redis-cli',
    'EVAL',
    script,
    String(keys.length),
    ...keys,
    ...args,
  ]).trim();

/** Per stream: its pending entries [id, consumer, idle ms, deliveries] and the group's lag, in one call. */
const QUEUES_LUA = `
local out = {}
for _, stream in ipairs(KEYS) do
  local entry = { pending = {}, lag = -1, count = -1 }
  local ok, p = pcall(redis.call, 'XPENDING', stream, ARGV[1], '-', '+', 10000)
  if ok then entry.pending = p end
  local okg, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
  if okg then
    for _, g in ipairs(groups) do
      local t = {}
      for j = 1, #g, 2 do t[g[j]] = g[j + 1] end
      if t['name'] == ARGV[1] then entry.lag = t['lag'] or -1; entry.count = t['pending'] end
    end
  end
  out[stream] = entry
end
return cjson.encode(out)`;
interface QueueState {
  pending: [string, string, number, number][];
  lag: number;
  count: number;
}
function queues(): Record<string, QueueState> {
  const raw = JSON.parse(
    redisEval(
      QUEUES_LUA,
      lanes.map((l) => l.stream),
      [GROUP],
    ),
  ) as Record<string, { pending: unknown; lag: number; count: number }>;
  return Object.fromEntries(
    Object.entries(raw).map(([stream, q]) => [
      stream,
      { ...q, pending: Array.isArray(q.pending) ? (q.pending as QueueState['pending']) : [] },
    ]),
  );
}

/** The id of the first entry whose batchId starts with ARGV[1], and the ids of those starting with ARGV[2]. */
const FIND_LUA = `
local first = false
local found = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = e[2]
  for j = 1, #f, 2 do
    if f[j] == 'batch' then
      if not first and string.find(f[j + 1], ARGV[1], 1, true) then first = e[1] end
      if string.find(f[j + 1], ARGV[2], 1, true) then table.insert(found, e[1]) end
    end
  end
end
return cjson.encode({ first = first, found = found })`;
const idMs = (id: string) => Number(id.split('-')[0]);

/** Follows every lane: pods seen leaving, what they held then, and entries delivered more than once. */
function observe(): {
  pods: PodJson[];
  queues: Record<string, QueueState>;
  replicas: Record<string, number>;
} {
  const state = { pods: workerPods(), queues: queues(), replicas: replicas() };
  for (const l of lanes) {
    const q = state.queues[l.stream] as QueueState;
    for (const [id, , , deliveries] of q.pending) {
      if (deliveries > 1) l.redelivered[id] = Math.max(l.redelivered[id] ?? 0, deliveries);
    }
    const present = new Map(podsOf(state.pods, l).map((p) => [p.metadata.name, p]));
    // Every pod seen since the scale-out (a pod can come and go between two looks), once it began.
    const known = l.scaleInAt === undefined ? [] : [...l.originals, ...lastSeen[l.bot]!.keys()];
    for (const name of new Set(known)) {
      const pod = present.get(name);
      if (l.removed[name] || (pod && !pod.metadata.deletionTimestamp)) continue;
      const before = lastSeen[l.bot]!.get(name);
      l.removed[name] = {
        held: q.pending.filter(([, consumer]) => consumer === name).map(([id]) => id),
        cost: (pod ?? before)?.metadata.annotations?.[DELETION_COST_ANNOTATION],
      };
    }
    for (const [name, pod] of present) lastSeen[l.bot]!.set(name, pod);
  }
  return state;
}
const lastSeen: Record<string, Map<string, PodJson>> = Object.fromEntries(
  lanes.map((l) => [l.bot, new Map()]),
);

const figures: Record<string, string> = {};
let world: TestWorld | undefined;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

afterAll(() => {
  process.stderr.write(
    `\n[burst-scale-in] figures\n${Object.entries(figures)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`,
  );
  removeTestWorld(
    world,
    lanes.map((l) => l.bot),
  );
}, 600_000);

test('a 100x burst takes the workers to maxReplicas within two HPA syncs, drains, and the scale-in removes idle workers first: 0 batches redelivered, against some without pod-deletion-cost', async () => {
  const started = Date.now();
  world = installTestRelease({
    release: NS,
    operatorNamespace: `${NS}-system`,
    namespace: NS,
    values: [
      '--set',
      'externalMetrics.enabled=true',
      // Queue figures and pod-deletion-costs every 2 s (30 s by default).
      '--set',
      'extraEnv[0].name=QUEUE_REFRESH_MS',
      '--set-string',
      'extraEnv[0].value=2000',
    ],
  });
  startRedisAndSimulator(world, node, { failureRate: 0 });
  await waitForExternalMetricsApi();
  // The burst of each bot (300 small batches, then the long one) from a ConfigMap.
  kubectlOk(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bursts', namespace: NS },
      data: Object.fromEntries(
        lanes.map((l) => [
          `${l.bot}.jsonl`,
          [...l.burst.slice(0, -LONG.apart), l.long[0]!, ...l.burst.slice(-LONG.apart), ...l.long.slice(1)]
            .map((b) => JSON.stringify(b))
            .join('\n'),
        ]),
      ),
    }),
  );
  for (const l of lanes) {
    kubectlOk(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'inventorybot.io/v1alpha1',
        kind: 'InventoryBot',
        metadata: { name: l.bot, namespace: NS },
        spec: {
          image: { repository: IMAGE_REPOSITORY, tag: IMAGE_TAG, pullPolicy: 'Never' },
          queue: {
            redis: { url: REDIS_URL },
            stream: l.stream,
            deadLetterStream: `${l.bot}:dead-letter`,
            claimIdleSeconds: 10,
          },
          upstream: {
            primaryUrl: `http://inventory-api.${NS}.svc:8080`,
            rateLimitPerSecond: CALLS_PER_SECOND,
          },
          // minReplicas and maxReplicas left to the defaults; queue lag only (no CPU metric to wait for).
          scaling: {
            targetCPUUtilizationPercentage: 0,
            queueLagPerReplica: 10,
            scaleDownStabilizationSeconds: SCALE_DOWN_STABILIZATION_SECONDS,
            scaleInOrder: l.order,
          },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
        },
      }),
    );
  }
  for (const l of lanes) {
    const scaling = JSON.parse(kubectlOk(['get', 'ib', l.bot, '-n', NS, '-o', 'jsonpath={.spec.scaling}']));
    expect(scaling).toMatchObject({ minReplicas: MIN, maxReplicas: MAX, scaleInOrder: l.order });
  }
  const atMin = await waitFor(
    workerPods,
    (pods) => lanes.every((l) => podsOf(pods, l).filter(ready).length === MIN),
    { timeoutMs: 180_000, intervalMs: 1000, what: `${MIN} ready workers per bot` },
  );
  for (const l of lanes) l.originals = podsOf(atMin, l).map((p) => p.metadata.name);
  figures['setup (operator with external metrics, Redis, simulator, 2 bots at 2 workers)'] = seconds(
    Date.now() - started,
  );

  // Steady traffic first, then the burst on top of it.
  enqueueOnEveryBot((l) => ({
    name: `${l.bot}-steady`,
    rate: STEADY.rate,
    batches: STEADY.batches,
    batchSize: STEADY.items,
    runId: runIdOf(l.steady[0] as BatchMessage),
  }));
  await waitFor(
    () => ledgerSummary(NS),
    (s) => s.applied >= 2 * STEADY.items * lanes.length,
    { timeoutMs: 60_000, intervalMs: 500, what: 'steady traffic applied on both bots' },
  );
  enqueueOnEveryBot((l) => ({
    name: `${l.bot}-burst`,
    rate: BURST.rate,
    file: { configMap: 'bursts', key: `${l.bot}.jsonl` },
  }));

  // Scale-out: the Deployments at maxReplicas (the HPA's decision), then every worker ready. Meanwhile
  // every limit the HPAs report is kept: a scale-up policy must never hold the burst back.
  const limitsSeen = new Map<string, Set<string>>(lanes.map((l) => [workloadName(l.bot), new Set()]));
  await waitFor(
    () => {
      const now = Date.now();
      const { replicas: r, limits } = scaleState();
      for (const [hpa, reason] of Object.entries(limits)) if (reason) limitsSeen.get(hpa)?.add(reason);
      for (const l of lanes) if (l.maxAt === undefined && r[l.bot] === MAX) l.maxAt = now;
      return lanes.every((l) => l.maxAt !== undefined);
    },
    (done) => done,
    { timeoutMs: 120_000, intervalMs: 250, what: `both bots at maxReplicas ${MAX}` },
  );
  for (const l of lanes) {
    // The long batches are near and at the burst's tail: wait for both to be on the stream.
    const found = await waitFor(
      () =>
        JSON.parse(
          redisEval(
            FIND_LUA,
            [l.stream],
            [`"batchId":"${runIdOf(l.burst[0]!)}-`, `"batchId":"${runIdOf(l.long[0]!)}-`],
          ),
        ) as { first: string | false; found: string[] | Record<string, never> },
      (f) => Array.isArray(f.found) && f.found.length === LONG.batches,
      { timeoutMs: 60_000, intervalMs: 500, what: `${l.bot}: the long batch enqueued` },
    );
    l.firstBurstAt = idMs(found.first as string);
    l.longIds = found.found as string[];
    const took = (l.maxAt as number) - l.firstBurstAt;
    figures[`${l.bot}: first burst batch -> Deployment at ${MAX} (HPA sync ${HPA_SYNC_PERIOD_SECONDS} s)`] =
      seconds(took);
    // #15's "maxReplicas within two HPA sync periods", counted in the HPA's own decisions rather than
    // seconds: at most two rescales from the first burst batch to maxReplicas, each on the queue lag, the
    // second (if any) to maxReplicas. Two decisions, not one: a sync in the burst's first second reads fewer
    // than the 91 batches that call for 10 workers at queueLagPerReplica 10. Seconds were asserted before
    // (within 2 x 5 s): 1.1-7.3 s in 20 CI runs, then 13.1 s in one, on a 2-core host that the other bot's
    // 8 new pods were starting on; a starved controller-manager syncs late, which says nothing of ours.
    // The seconds stay a figure, with the held figures (Redis slow) the operator answered meanwhile, and
    // a loose bound (6 periods) against a metric that stopped following the queue.
    const rescales = rescaleEvents(workloadName(l.bot), l.firstBurstAt, l.maxAt as number);
    figures[`${l.bot}: HPA rescales from the first burst batch to ${MAX}`] = rescales
      .map((e) => `${e.size} (${e.why})`)
      .join(', ');
    figures[`${l.bot}: held queue-lag figures answered meanwhile`] = String(
      heldFigures(l.firstBurstAt, l.maxAt as number),
    );
    expect(rescales.length).toBeGreaterThanOrEqual(1);
    expect(rescales.length).toBeLessThanOrEqual(2);
    expect(rescales.at(-1)?.size).toBe(MAX);
    for (const e of rescales) expect(e.why).toMatch(/^external metric inventorybot_queue_lag above target/);
    // Two decisions come from the metric rising between syncs, never from a scale-up policy that held the
    // first back (the default policy's steps, 15 s apart): the HPA says so in its ScalingLimited condition,
    // sampled every poll above. Asserted in the HPA's own words rather than as "at most 11 s apart", which
    // a controller-manager starved on this 2-core host can break without any fault of ours.
    const limits = [...(limitsSeen.get(workloadName(l.bot)) ?? [])];
    figures[`${l.bot}: HPA scaling limits seen on the way to ${MAX}`] = limits.join(', ') || 'none';
    expect(limits).not.toContain('ScaleUpLimit');
    expect(took).toBeLessThanOrEqual(6 * SYNC_MS);
  }
  await waitFor(
    () => {
      const now = Date.now();
      const pods = workerPods();
      for (const l of lanes) {
        if (l.allReadyAt === undefined && podsOf(pods, l).filter(ready).length === MAX) l.allReadyAt = now;
      }
      return lanes.every((l) => l.allReadyAt !== undefined);
    },
    (done) => done,
    { timeoutMs: 180_000, intervalMs: 1000, what: `${MAX} ready workers per bot` },
  );
  for (const l of lanes) {
    figures[`${l.bot}: first burst batch -> ${MAX} workers ready`] = seconds(
      (l.allReadyAt as number) - (l.firstBurstAt as number),
    );
  }

  // Drain and scale-in. The scale-in begins when a Deployment goes below maxReplicas: who holds the long
  // batches then, and which pods leave holding what.
  await waitFor(
    () => {
      const now = Date.now();
      const state = observe();
      for (const l of lanes) {
        if (l.scaleInAt !== undefined || (state.replicas[l.bot] ?? MAX) >= MAX) continue;
        l.scaleInAt = now;
        const q = state.queues[l.stream] as QueueState;
        l.holdersAtScaleIn = Object.fromEntries(
          q.pending.filter(([id]) => l.longIds.includes(id)).map(([id, consumer]) => [id, consumer]),
        );
        // What is left when the scale-in begins: the long batch, and what its worker holds behind it.
        figures[`${l.bot}: scale-in began, outstanding then`] =
          `${seconds(now - (l.firstBurstAt as number))} after the first burst batch, ` +
          `lag ${q.lag} + pending ${q.count} (long batch held by ${JSON.stringify(l.holdersAtScaleIn)})`;
      }
      for (const l of lanes) {
        const live = podsOf(state.pods, l);
        if (
          l.settledAt === undefined &&
          state.replicas[l.bot] === MIN &&
          live.length === MIN &&
          live.every(ready)
        ) {
          l.settledAt = now;
        }
      }
      return lanes.every((l) => l.settledAt !== undefined);
    },
    (done) => done,
    { timeoutMs: 300_000, intervalMs: 500, what: `both bots scaled in to ${MIN} workers` },
  );
  // Redeliveries come after the scale-in: a left batch is claimed once idle for claimIdleSeconds (10 s).
  const expected = lanes.flatMap((l) => expectedItemKeys([...l.steady, ...l.burst, ...l.long]));
  await waitFor(
    () => {
      const state = observe();
      return { queues: state.queues, applied: ledgerSummary(NS).applied };
    },
    (s) =>
      s.applied >= expected.length &&
      lanes.every((l) => s.queues[l.stream]?.lag === 0 && s.queues[l.stream]?.count === 0),
    {
      timeoutMs: 300_000,
      intervalMs: 1000,
      what: `every item applied (${expected.length}) and both queues empty`,
    },
  );
  const done = Date.now();

  const survivorsReclaimed: Record<string, number> = {};
  for (const l of lanes) {
    const survivors = podsOf(workerPods(), l).filter((p) => !p.metadata.deletionTimestamp);
    survivorsReclaimed[l.bot] = survivors
      .map((p) =>
        sumOf(
          parseMetrics(
            kubectlOk([
              'get',
              '--raw',
              `/api/v1/namespaces/${NS}/pods/${p.metadata.name}:9100/proxy/metrics`,
            ]),
          ),
          METRICS.batchesReclaimedTotal,
        ),
      )
      .reduce((a, b) => a + b, 0);
    const removedBusy = Object.entries(l.removed).filter(([, r]) => r.held.length > 0);
    figures[`${l.bot} (${l.order}): scale-in ${MAX} -> ${MIN}`] =
      `settled ${seconds((l.settledAt as number) - (l.scaleInAt as number))} after it began; ` +
      `removed ${Object.keys(l.removed).length} pods, ${removedBusy.length} of them holding batches ` +
      `${JSON.stringify(Object.fromEntries(removedBusy.map(([pod, r]) => [pod, r.held.length])))}; ` +
      `originals ${l.originals.every((o) => l.removed[o]) ? 'removed' : l.originals.some((o) => l.removed[o]) ? 'one removed' : 'kept'}`;
    figures[`${l.bot} (${l.order}): batches redelivered because of the scale-in`] =
      `${Object.keys(l.redelivered).length} (XPENDING delivery counts ${JSON.stringify(l.redelivered)}); ` +
      `survivors' ${METRICS.batchesReclaimedTotal} ${survivorsReclaimed[l.bot]}`;
  }
  figures['first burst batch -> every item applied'] = seconds(
    done - Math.min(...lanes.map((l) => l.firstBurstAt as number)),
  );
  figures.ledger = JSON.stringify(ledgerSummary(NS));

  const [idleFirst, replicaSet] = lanes as [Lane, Lane];
  // Both runs had the same situation: at the scale-in a long batch was held by a newer pod, one a
  // ReplicaSet without pod-deletion-cost removes first (it keeps the oldest).
  for (const l of lanes) {
    expect(Object.keys(l.holdersAtScaleIn)).toHaveLength(LONG.batches);
    expect(Object.values(l.holdersAtScaleIn).some((pod) => !l.originals.includes(pod))).toBe(true);
  }
  // IdleFirst: every pod removed was idle, the long batch's holder survived, nothing was redelivered.
  expect(Object.values(idleFirst.removed).filter((r) => r.held.length > 0)).toEqual([]);
  for (const holder of Object.values(idleFirst.holdersAtScaleIn))
    expect(idleFirst.removed[holder]).toBeUndefined();
  expect(idleFirst.redelivered).toEqual({});
  expect(survivorsReclaimed[idleFirst.bot]).toBe(0);
  // The control: no pod-deletion-cost was ever set; the ReplicaSet removed the pod holding the long
  // batch, and its batches were redelivered.
  expect(Object.values(replicaSet.removed).every((r) => r.cost === undefined)).toBe(true);
  expect(Object.values(replicaSet.removed).some((r) => r.held.length > 0)).toBe(true);
  expect(Object.keys(replicaSet.redelivered).length).toBeGreaterThan(0);

  // Nothing lost, nothing applied twice, nothing dead-lettered.
  expect(exactlyOnceViolations([remoteLedger(NS)], expected)).toEqual({
    missing: [],
    duplicated: [],
    unexpected: [],
  });
  for (const l of lanes) {
    expect(redisEval("return redis.call('XLEN', KEYS[1])", [`${l.bot}:dead-letter`], [])).toBe('0');
  }
  figures['test wall time'] = seconds(Date.now() - started);
}, 900_000);
