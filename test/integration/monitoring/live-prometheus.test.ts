// A real Prometheus (Debian's /usr/bin/prometheus, 127.0.0.1, a free port, a temp dir, 1 s scrapes) scrapes
// a real worker process and the simulator under a short, bounded load, with the generated rules file
// loaded. Every dashboard query and every alert expression must parse, and return data (none is a typo).
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { stringify } from 'yaml';
import { alertDefinitions, alertRuleGroups, SLO_SERIES } from '../../../src/monitoring/alert-rules.ts';
import { botSelector } from '../../../src/monitoring/promql.ts';
import { renderPrometheusRules } from '../../../src/monitoring/artifacts.ts';
import { buildDashboard, dashboardQueries, KUBE_STATE_METRICS } from '../../../src/monitoring/dashboard.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import type { RedisClient } from '../../../src/contracts/redis-connection.ts';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.ts';
import { connect, enqueueSynthetic, testConfig, uniqueNames } from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(60_000);

const NAMESPACE = 'live';
const BOT = 'live-bot';

let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
let worker: WorkerProcess | undefined;
let prometheus: PrometheusServer | undefined;
let loading = true;
let load: Promise<void> = Promise.resolve();

const query = (expr: string) => (prometheus as PrometheusServer).query(expr);

/** What Grafana substitutes for the template variables, for this test's labels. */
const substitute = (expr: string) =>
  expr
    .replaceAll('$operator_namespace', '.*')
    .replaceAll('$operator', 'inventorybot-metrics')
    .replaceAll('$namespace', NAMESPACE)
    .replaceAll('$bot', BOT)
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$__interval', '1s');

const SHARDS = 2;

beforeAll(async () => {
  redis = await startRedisServer();
  client = await connect(redis.url);
  sim = await startSimulator({
    faults: { failureRate: 0.15, lostResponseShare: 0.2 },
    latency: { medianMs: 3, p95Ms: 20 },
    seed: 3,
  });
  const names = uniqueNames('live');
  worker = await startWorkerProcess({
    name: `${BOT}-0`,
    redisUrl: redis.url,
    // Sharded (#13), so the per-shard series of the dashboard and the hot-shard alert have data too.
    config: testConfig(names, { primaryUrl: sim.url }, { queue: { shards: SHARDS } }),
  });

  const simPort = new URL(sim.url).port;
  prometheus = await startPrometheus({
    // The chart's static rules, plus what the operator adds per bot: its thresholds as series.
    rules: `${renderPrometheusRules()}${stringify(
      alertRuleGroups({ selector: botSelector(NAMESPACE, BOT), groupName: BOT }).slice(1),
    ).replace(/^/gm, '  ')}`,
    jobs: [
      {
        job: BOT,
        targets: [`127.0.0.1:${worker.metricsPort}`],
        labels: { namespace: NAMESPACE, pod: `${BOT}-0` },
      },
      { job: 'simulator', targets: [`127.0.0.1:${simPort}`], labels: { namespace: NAMESPACE } },
    ],
  });

  // Bounded load: a few batches every 300 ms (some with unknown SKUs, for dead letters) until the checks end
  // or 40 s pass.
  const deadline = Date.now() + 40_000;
  load = (async () => {
    let seed = 1;
    while (loading && Date.now() < deadline) {
      await enqueueSynthetic(client, names.stream, {
        batches: 3,
        warehouses: 3,
        minItems: 10,
        maxItems: 40,
        unknownSkuRate: 0.02,
        seed: seed++,
        shards: SHARDS,
      });
      await sleep(300);
    }
  })();

  // Enough scraped history for rates over 20 s windows: 12 scrapes with items flowing.
  await waitFor(
    async () => {
      const r = await query(`count_over_time(inventorybot_items_total{job="${BOT}",outcome="applied"}[1m])`);
      const applied = await query(`sum(inventorybot_items_total{job="${BOT}",outcome="applied"})`);
      return {
        scrapes: Number(r.data?.result[0]?.value[1] ?? 0),
        applied: Number(applied.data?.result[0]?.value[1] ?? 0),
      };
    },
    (s) => s.scrapes >= 12 && s.applied > 0,
    { timeoutMs: 25_000, intervalMs: 500, what: 'a dozen scrapes of the loaded worker' },
  );
});

afterAll(async () => {
  loading = false;
  await load.catch(() => undefined);
  await prometheus?.stop();
  if (worker) await killAll([worker]);
  await sim?.close();
  await client?.close();
  await redis?.stop();
});

describe('a real Prometheus scraping a worker and the simulator', () => {
  it('scrapes both targets', async () => {
    // Scraped successfully in the last 30 s: one scrape may time out (900 ms) on a busy host.
    const up = await query('max_over_time(up[30s])');
    expect(up.data.result.map((r) => [r.metric.job, r.value[1]]).sort()).toEqual([
      [BOT, '1'],
      ['simulator', '1'],
    ]);
    const sim = await query('sum(inventorybot_simulator_requests_total)');
    expect(Number(sim.data.result[0]?.value[1])).toBeGreaterThan(0);
  });

  it('returns data for every dashboard query (kube-state-metrics queries: parse only)', async () => {
    const queries = dashboardQueries(buildDashboard());
    const failures: Array<{ panel: string; expr: string; problem: string }> = [];
    for (const { panel, expr } of queries) {
      const r = await query(substitute(expr));
      if (r.status !== 'success') {
        failures.push({ panel, expr, problem: `error: ${r.error}` });
        continue;
      }
      // No kube-state-metrics and no operator here (no cluster): those queries must parse, they cannot
      // return data (test/cluster's suites run them).
      if (Object.values(KUBE_STATE_METRICS).some((m) => expr.includes(m))) continue;
      if (expr.includes('$operator')) continue;
      const values = r.data.result.map((s) => Number(s.value[1]));
      if (values.length === 0) failures.push({ panel, expr, problem: 'no data' });
      else if (!values.some(Number.isFinite))
        failures.push({ panel, expr, problem: `only ${values.join(',')}` });
    }
    expect(failures).toEqual([]);
    expect(queries.length).toBeGreaterThan(25);
  });

  it('returns data for every alert expression’s signals, and every full expression parses', async () => {
    const failures: Array<{ alert: string; expr: string; problem: string }> = [];
    for (const { rule, probes } of alertDefinitions()) {
      const full = await query(rule.expr);
      if (full.status !== 'success')
        failures.push({ alert: rule.alert, expr: rule.expr, problem: `${full.error}` });
      for (const probe of probes) {
        const r = await query(probe);
        const mine =
          r.data?.result.filter((s) => s.metric.job === BOT && s.metric.namespace === NAMESPACE) ?? [];
        if (r.status !== 'success') failures.push({ alert: rule.alert, expr: probe, problem: `${r.error}` });
        else if (mine.length === 0)
          failures.push({ alert: rule.alert, expr: probe, problem: 'no data for the bot' });
      }
    }
    expect(failures).toEqual([]);
  });

  it('loads and evaluates the generated rules file without errors', async () => {
    const body = await waitFor(
      async () =>
        (await (await fetch(`${prometheus?.url}/api/v1/rules`)).json()) as {
          data: {
            groups: Array<{
              rules: Array<{ name: string; type: string; health: string; lastError?: string }>;
            }>;
          };
        },
      (b) => b.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok'),
      { timeoutMs: 5000, what: 'all rules evaluated' },
    );
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.filter((r) => r.type === 'recording').map((r) => r.name)).toEqual(Object.values(SLO_SERIES));
    expect(
      rules
        .filter((r) => r.type === 'alerting')
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      alertDefinitions()
        .map((d) => d.rule.alert)
        .sort(),
    );
    expect(rules.filter((r) => r.lastError)).toEqual([]);
  });
});
