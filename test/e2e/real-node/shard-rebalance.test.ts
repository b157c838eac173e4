// Warehouse shards on the real node (#13): a bot with 6 shards whose workers are real pods of the project
// image, conflicting target/delta operations of 6 warehouses (one per shard) enqueued by an in-cluster
// Job, and the replica count changed as a user would (spec.scaling min/max, which the HPA follows) while
// it runs: 1 -> 3 -> 2. After each change the shard leases in Redis spread evenly over the live pods
// (6; 2,2,2; 3,3) and agree with each pod's owned-shards metric; the pod scaled in hands its shards back
// before it is gone (no lease names it once the pod object is deleted). The simulator's ledger shows each
// SKU's effects in enqueue order, the stock of a sequential application, 0 lost and 0 applied twice.
// Its own operator release (watching only this test's namespace), namespaces and PersistentVolume: the
// node is shared with the other real-node test files.
import { PROJECT_IMAGE } from '../../cluster/real-node.ts';
import { kubectlOk } from '../../support/command-line.ts';
import { conflictingBatches, warehousesOnDistinctShards } from '../../support/conflicting-batches.ts';
import { exactlyOnceViolations } from '../../support/queue-fixture.ts';
import { pods, realNodeInfo, runningReady as live } from '../../support/real-node-pods.ts';
import {
  IMAGE_REPOSITORY as imageRepository,
  IMAGE_TAG as imageTag,
  installTestRelease,
  removeTestWorld,
  startRedisAndSimulator,
  type TestWorld,
} from '../../support/real-node-release.ts';
import { enqueueJobJson } from '../../support/real-node-workloads.ts';
import { ledgerSummary, remoteLedger } from '../../support/remote-ledger.ts';
import { orderViolations } from '../../support/sku-order-check.ts';
import { waitFor } from '../../support/wait-for.ts';
import { expectedItemKeys } from '../../../src/cli/workload.ts';
import { parseMetrics, sumOf } from '../../../src/contracts/prom-text.ts';
import { shardKeys, shardStreams } from '../../../src/contracts/shard-routing.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';

const node = realNodeInfo();
const OPERATOR_NS = 'shard-rebalance-system';
const NS = 'shard-rebalance';
const RELEASE = 'shard-rebalance';
const BOT = 'sharded';
const STREAM = 'inventory:batches';
const GROUP = 'inventorybot';
const SHARDS = 6;
const BATCHES = 900;
const ITEMS_PER_BATCH = 5;
const ITEMS = BATCHES * ITEMS_PER_BATCH;
const RATE = 15; // batches/s: the enqueue lasts ~60 s, long enough for both replica changes
const METRICS_PORT = 9100;
const workerSelector = `app.kubernetes.io/instance=${BOT},app.kubernetes.io/component=worker`;

const workerPods = () => pods(NS, workerSelector);
const liveWorkers = () =>
  workerPods()
    .filter(live)
    .map((p) => p.metadata.name)
    .sort();

const redisCli = (args: string[]) =>
  kubectlOk(['exec', '-n', NS, 'deploy/redis', '--', 'redis-cli', ...args]).trimEnd();
/** Who holds each shard's lease now ('' for a free shard): the lease value is `<pod name> <token>`. */
const leaseHolders = (): string[] =>
  redisCli(['MGET', ...Array.from({ length: SHARDS }, (_, s) => shardKeys(STREAM).lease(s))])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '');
/** Shards per holder, e.g. {pod-a: 3, pod-b: 3}. */
const spread = (holders: readonly string[]) => {
  const counts: Record<string, number> = {};
  for (const h of holders.filter(Boolean)) counts[h] = (counts[h] ?? 0) + 1;
  return counts;
};
/** The pod's own view: inventorybot_shards_owned through the API server's pod proxy. */
const ownedMetric = (pod: string) =>
  sumOf(
    parseMetrics(
      kubectlOk(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}:${METRICS_PORT}/proxy/metrics`]),
    ),
    METRICS.shardsOwned,
  );
/** Pending batches over every shard stream and the dead letters, in one round trip. */
const queueLeft = () => {
  const [pending, lag, dead] = redisCli([
    'EVAL',
    `local p, l = 0, 0
     for i = 1, #KEYS - 1 do
       if redis.call('EXISTS', KEYS[i]) == 1 then
         for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[i])) do
           if g[2] == ARGV[1] then p = p + g[6]; l = l + (g[12] or 0) end
         end
       end
     end
     return {p, l, redis.call('XLEN', KEYS[#KEYS])}`,
    String(SHARDS + 1),
    ...shardStreams(STREAM, SHARDS),
    'inventory:dead-letter',
    GROUP,
  ]).split('\n');
  return { pending: Number(pending), lag: Number(lag), deadLetters: Number(dead) };
};
const setReplicas = (n: number) =>
  kubectlOk([
    'patch',
    'ib',
    BOT,
    '-n',
    NS,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { scaling: { minReplicas: n, maxReplicas: n } } }),
  ]);

/** Waits until the leases are spread over exactly the live workers, `each` shards apiece, all held. */
async function settledAt(replicas: number, each: number): Promise<Record<string, number>> {
  const state = await waitFor(
    () => {
      const pods = liveWorkers();
      return { pods, all: workerPods().length, holders: spread(leaseHolders()) };
    },
    (s) =>
      s.pods.length === replicas &&
      s.all === replicas &&
      JSON.stringify(Object.keys(s.holders).sort()) === JSON.stringify(s.pods) &&
      Object.values(s.holders).every((n) => n === each),
    { timeoutMs: 90_000, intervalMs: 500, what: `${replicas} workers holding ${each} shards each` },
  );
  // Each pod agrees: its owned-shards gauge is what its leases say (set right after a lease changes).
  await waitFor(
    () => state.pods.map(ownedMetric),
    (owned) => owned.every((n, i) => n === state.holders[state.pods[i] as string]),
    { timeoutMs: 10_000, intervalMs: 250, what: `owned-shards metrics ${JSON.stringify(state.holders)}` },
  );
  return state.holders;
}

const figures: Record<string, string> = {};
let world: TestWorld | undefined;

afterAll(() => {
  process.stderr.write(
    `\n[shard-rebalance] figures\n${Object.entries(figures)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`,
  );
  removeTestWorld(world, [BOT]);
}, 600_000);

test('a sharded bot on real pods: 1 -> 3 -> 2 workers under load, shards spread and handed back, per-SKU order kept', async () => {
  const started = Date.now();
  world = installTestRelease({ release: RELEASE, operatorNamespace: OPERATOR_NS, namespace: NS });
  startRedisAndSimulator(world, node); // 20 % transient failures

  // Six warehouses, one per shard, four SKUs each: every shard has work, and SKUs see many operations.
  const batches = conflictingBatches({
    runId: `rebalance-${Date.now().toString(36)}`,
    batches: BATCHES,
    itemsPerBatch: ITEMS_PER_BATCH,
    skusPerWarehouse: 4,
    warehouses: warehousesOnDistinctShards(6, SHARDS),
    seed: 13,
  });
  // `create`, not `apply`: the batches do not fit the last-applied annotation.
  kubectlOk(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'batches', namespace: NS },
      data: { 'batches.jsonl': batches.map((b) => JSON.stringify(b)).join('\n') },
    }),
  );

  const bot = {
    apiVersion: 'inventorybot.io/v1alpha1',
    kind: 'InventoryBot',
    metadata: { name: BOT, namespace: NS },
    spec: {
      image: { repository: imageRepository, tag: imageTag, pullPolicy: 'Never' },
      // claimIdleSeconds 5 and a 1 s call timeout: 5 s shard leases (shardLeaseTtlMs), so a test run
      // sees several renewals and rebalancing ticks.
      queue: {
        redis: { url: `redis://redis.${NS}.svc:6379` },
        claimIdleSeconds: 5,
        maxDeliveries: 50,
        shards: SHARDS,
      },
      upstream: { primaryUrl: `http://inventory-api.${NS}.svc:8080`, timeoutMs: 1000 },
      scaling: {
        minReplicas: 1,
        maxReplicas: 1,
        targetCPUUtilizationPercentage: 50,
        queueLagPerReplica: 0,
      },
      resources: { requests: { cpu: '50m', memory: '64Mi' } },
      monitoring: { metricsPort: METRICS_PORT },
    },
  };
  kubectlOk(['apply', '-f', '-'], JSON.stringify(bot));
  const one = await settledAt(1, SHARDS);
  figures['setup (operator, Redis, simulator, 1 worker owning every shard)'] =
    `${((Date.now() - started) / 1000).toFixed(1)} s`;
  figures['spread at 1 replica'] = JSON.stringify(Object.values(one));

  const runStarted = Date.now();
  kubectlOk(
    ['apply', '-f', '-'],
    enqueueJobJson(NS, PROJECT_IMAGE, {
      name: 'enqueue',
      redisUrl: `redis://redis.${NS}.svc:6379`,
      rate: RATE,
      shards: SHARDS,
      file: { configMap: 'batches', key: 'batches.jsonl' },
    }),
  );
  await waitFor(
    () => ledgerSummary(NS),
    (l) => l.applied > 0,
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the first items applied',
    },
  );

  // Scale out while batches arrive: the newcomers take their share from the one that held all six.
  expect(ledgerSummary(NS).applied).toBeLessThan(ITEMS);
  setReplicas(3);
  const three = await settledAt(3, SHARDS / 3);
  figures['1 -> 3 settled after enqueue start'] = `${((Date.now() - runStarted) / 1000).toFixed(1)} s`;
  figures['spread at 3 replicas'] = JSON.stringify(Object.values(three));

  // Scale in while batches still arrive: the HPA removes one pod, which hands its shards back on SIGTERM.
  expect(ledgerSummary(NS).applied).toBeLessThan(ITEMS);
  setReplicas(2);
  const before = Object.keys(three);
  // The pod the ReplicaSet picked: terminating, or already gone (SIGTERM hand-back can be that quick).
  const leaving = await waitFor(
    () => {
      const running = workerPods().filter((p) => !p.metadata.deletionTimestamp);
      return before.filter((name) => !running.some((p) => p.metadata.name === name));
    },
    (names) => names.length === 1,
    { timeoutMs: 60_000, intervalMs: 250, what: 'one of the three workers leaving' },
  );
  const gone = leaving[0] as string;
  const scaleInAt = Date.now();
  // The pod object goes only after its container exited: by then no lease may still name it. Without
  // the hand-back its leases would linger up to their TTL (5 s) after the pod is gone.
  await waitFor(
    () => workerPods().map((p) => p.metadata.name),
    (names) => !names.includes(gone),
    { timeoutMs: 60_000, intervalMs: 200, what: `${gone} gone` },
  );
  const afterGone = leaseHolders();
  figures['scaled-in pod gone after SIGTERM'] = `${((Date.now() - scaleInAt) / 1000).toFixed(1)} s (${gone})`;
  expect(afterGone).not.toContain(gone);
  const two = await settledAt(2, SHARDS / 2);
  figures['3 -> 2 settled after enqueue start'] = `${((Date.now() - runStarted) / 1000).toFixed(1)} s`;
  figures['spread at 2 replicas'] = JSON.stringify(Object.values(two));
  expect(Object.keys(two)).not.toContain(gone);

  // Every item applied once, in enqueue order per SKU; the queue empty, nothing dead-lettered.
  await waitFor(
    () => ledgerSummary(NS),
    (l) => l.applied >= ITEMS,
    {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: `${ITEMS} items applied`,
    },
  );
  await waitFor(queueLeft, (q) => q.pending === 0 && q.lag === 0, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: 'every shard stream drained',
  });
  figures['enqueue start to all applied'] = `${((Date.now() - runStarted) / 1000).toFixed(1)} s`;
  const summary = ledgerSummary(NS);
  figures.ledger = JSON.stringify(summary);
  const ledger = remoteLedger(NS);
  expect(exactlyOnceViolations([ledger], expectedItemKeys(batches))).toEqual({
    missing: [],
    duplicated: [],
    unexpected: [],
  });
  expect(orderViolations(ledger, batches)).toEqual({ outOfOrder: [], wrongStock: [] });
  expect(summary.requests).toBeGreaterThan(ITEMS); // the 20 % failures were retried
  expect(queueLeft().deadLetters).toBe(0);
  // The enqueue ran all along: its Job finished, and every worker kept running (no restart).
  await waitFor(
    () => kubectlOk(['get', 'job', 'enqueue', '-n', NS, '-o', 'jsonpath={.status.succeeded}']),
    (n) => n === '1',
    { timeoutMs: 30_000, intervalMs: 500, what: 'the enqueue Job succeeded' },
  );
  for (const p of workerPods()) {
    expect((p.status.containerStatuses ?? []).map((c) => c.restartCount)).toEqual([0]);
  }
  figures['test wall time'] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
}, 600_000);
