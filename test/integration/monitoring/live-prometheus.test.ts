// A real Prometheus (Debian's /usr/bin/prometheus, 127.0.0.1, a free port, a temp dir, 1 s scrapes) scrapes
// a real worker process and the simulator under a short, bounded load, with the generated rules file
// loaded. Every dashboard query and every alert expression must parse, and return data (none is a typo).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { stringify } from 'yaml';
import { alertDefinitions } from '../../../src/monitoring/alert-rules.ts';
import { renderPrometheusRules } from '../../../src/monitoring/artifacts.ts';
import { buildDashboard, dashboardQueries, KUBE_STATE_METRICS } from '../../../src/monitoring/dashboard.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import type { RedisClient } from '../../../src/worker/redis-connection.ts';
import { freePort } from '../../support/free-port.ts';
import { requireBinary } from '../../support/required-binary.ts';
import { connect, enqueueSynthetic, testConfig, uniqueNames } from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(60_000);

const PROMETHEUS = requireBinary(process.env.PROMETHEUS ?? '/usr/bin/prometheus');
const NAMESPACE = 'live';
const BOT = 'live-bot';

let dir: string;
let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
let worker: WorkerProcess | undefined;
let prometheus: ChildProcess | undefined;
let promUrl: string;
let promLog = '';
let loading = true;
let load: Promise<void> = Promise.resolve();

interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function query(expr: string): Promise<PromResponse> {
  const response = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`, {
    signal: AbortSignal.timeout(5000),
  });
  return (await response.json()) as PromResponse;
}

/** What Grafana substitutes for the template variables, for this test's labels. */
const substitute = (expr: string) =>
  expr
    .replaceAll('$namespace', NAMESPACE)
    .replaceAll('$bot', BOT)
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$__interval', '1s');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'live-prometheus-'));
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
    config: testConfig(names, { primaryUrl: sim.url }),
  });

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'rules.yaml'), renderPrometheusRules());
  const simPort = new URL(sim.url).port;
  writeFileSync(
    join(dir, 'prometheus.yaml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [
        {
          job_name: BOT,
          static_configs: [
            {
              targets: [`127.0.0.1:${worker.metricsPort}`],
              labels: { namespace: NAMESPACE, pod: `${BOT}-0` },
            },
          ],
        },
        {
          job_name: 'simulator',
          static_configs: [{ targets: [`127.0.0.1:${simPort}`], labels: { namespace: NAMESPACE } }],
        },
      ],
    }),
  );
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yaml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (c: Buffer) => (promLog += c.toString()));
  prometheus.stderr?.on('data', (c: Buffer) => (promLog += c.toString()));
  await waitFor(
    async () => {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
      return (await fetch(`${promUrl}/-/ready`)).status;
    },
    (status) => status === 200,
    { timeoutMs: 15_000, what: 'prometheus ready' },
  );

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
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once('exit', r));
    prometheus.kill('SIGTERM');
    const stop = new AbortController();
    await Promise.race([exited, sleep(5000, undefined, { signal: stop.signal }).catch(() => undefined)]);
    stop.abort();
    if (prometheus.exitCode === null && prometheus.signalCode === null) {
      prometheus.kill('SIGKILL');
      await exited;
    }
  }
  if (worker) await killAll([worker]);
  await sim?.close();
  await client?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping a worker and the simulator', () => {
  it('scrapes both targets', async () => {
    const up = await query('up');
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
      // No kube-state-metrics here (no cluster): those queries must parse, they cannot return data.
      if (Object.values(KUBE_STATE_METRICS).some((m) => expr.includes(m))) continue;
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
        (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
        },
      (b) => b.data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok'),
      { timeoutMs: 5000, what: 'all rules evaluated' },
    );
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertDefinitions()
        .map((d) => d.rule.alert)
        .sort(),
    );
    expect(rules.filter((r) => r.lastError)).toEqual([]);
  });
});
