// Log alerts and Prometheus rules count the same outcomes (issue 17): one real workload (a worker process,
// the simulator with transient failures, unknown SKUs that get dead-lettered, malformed messages), scraped by a
// real Prometheus with the generated rules, and the same worker's JSON log read by the log-alert code. The item
// counts, the error and retry rates and the alerts they raise must agree; the ROI report's Prometheus reader
// finds the same items.
import { jest } from '@jest/globals';
import { ALERT_NAMES, alertDefinitions } from '../../../src/monitoring/alert-rules.ts';
import { renderPrometheusRules } from '../../../src/monitoring/artifacts.ts';
import { computeLogStats, evaluateLogAlerts } from '../../../src/monitoring/log-alerts.ts';
import { parseBatchEvent, type BatchLogEvent } from '../../../src/contracts/log-line.ts';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { figuresFromPrometheus } from '../../../src/roi/measure.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { ITEM_ERROR_OUTCOMES, METRICS, outcomeMatcher } from '../../../src/contracts/worker-metric-names.ts';
import type { RedisClient } from '../../../src/contracts/redis-connection.ts';
import { startPrometheus, type PrometheusServer } from '../../support/prometheus-server.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { connect, enqueueSynthetic, testConfig, uniqueNames } from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(90_000);

const NAMESPACE = 'parity';
const BOT = 'parity-bot';
const INVALID = 3;

let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
let worker: WorkerProcess | undefined;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
  client = await connect(redis.url);
  sim = await startSimulator({
    faults: { failureRate: 0.08, lostResponseShare: 0 },
    latency: { medianMs: 2, p95Ms: 8 },
    seed: 29,
  });
});

afterAll(async () => {
  await prometheus?.stop();
  if (worker) await killAll([worker]);
  await sim?.close();
  await client?.close();
  await redis?.stop();
});

test('log alerts and Prometheus rules count the same items and raise the same rate alerts', async () => {
  const names = uniqueNames('parity');
  worker = await startWorkerProcess({
    name: `${BOT}-0`,
    redisUrl: redis.url,
    config: testConfig(names, { primaryUrl: sim.url }),
  });
  const windowStart = Date.now() / 1000;
  prometheus = await startPrometheus({
    rules: renderPrometheusRules(),
    jobs: [
      {
        job: BOT,
        targets: [`127.0.0.1:${worker.metricsPort}`],
        labels: { namespace: NAMESPACE, pod: `${BOT}-0` },
      },
    ],
  });
  // A scrape before any work: the counters' first samples are 0, so rate() ratios equal increase ratios.
  await waitFor(
    () => prometheus?.scalar(`count(${METRICS.itemsTotal}{job="${BOT}"})`),
    (n) => n !== undefined && n > 0,
    { timeoutMs: 10_000, what: 'first scrape' },
  );

  await enqueueSynthetic(client, names.stream, {
    batches: 30,
    warehouses: 3,
    minItems: 20,
    maxItems: 60,
    unknownSkuRate: 0.04,
    seed: 11,
  });
  for (let i = 0; i < INVALID; i++) await client.xAdd(names.stream, '*', { junk: String(i) });
  // Done: every entry acknowledged (none pending or undelivered) and counted.
  const batches = 30 + INVALID;
  await waitFor(
    async () => ({
      queue: await readQueueStats(client, names),
      counted: sumOf(await (worker as WorkerProcess).metrics(), METRICS.batchesTotal),
    }),
    ({ queue, counted }) => queue.pending === 0 && queue.lag === 0 && counted >= batches,
    { timeoutMs: 45_000, intervalMs: 200, what: 'every batch handled and counted' },
  );
  const final = await worker.metrics();
  const total = sumOf(final, METRICS.itemsTotal);
  // Prometheus has scraped the final counters.
  await waitFor(
    () => prometheus?.scalar(`sum(${METRICS.itemsTotal}{job="${BOT}"})`),
    (n) => n === total,
    { timeoutMs: 10_000, what: 'Prometheus has the final counters' },
  );
  const events = worker.logs
    .map((l) => parseBatchEvent(JSON.stringify(l), `${BOT}-0`))
    .filter((e): e is BatchLogEvent => e !== undefined);
  const stats = computeLogStats(events, { since: 0, until: Date.now() + 1000 });

  // Counts: the logs' items and error items are the metric's, exactly.
  const prom = async (expr: string) => (prometheus as PrometheusServer).scalar(expr);
  const deadLettered = sumOf(final, METRICS.itemsTotal, { outcome: 'dead_lettered' });
  expect(deadLettered).toBeGreaterThan(0);
  expect(stats.batches).toBe(batches);
  expect(stats.items).toBe(await prom(`sum(${METRICS.itemsTotal}{job="${BOT}"})`));
  expect(stats.errorItems).toBe(
    await prom(`sum(${METRICS.itemsTotal}{job="${BOT}",${outcomeMatcher(ITEM_ERROR_OUTCOMES)}})`),
  );
  expect(stats.retries).toBe(await prom(`sum(${METRICS.retriesTotal}{job="${BOT}"})`));

  // The ROI report's Prometheus reader over the same window: the run's applied items on one worker, exactly.
  // increase() extrapolates a window's first-to-last samples to its edges; a CI run saw 23 % over a
  // few-second run. Neither edge extrapolates here, by construction rather than by tolerance: the window
  // begins before the first scrape, whose counters are 0 (a counter is not extrapolated below 0), and ends
  // on the last scrape's own timestamp (nothing left to extrapolate to).
  const applied = sumOf(final, METRICS.itemsTotal, { outcome: 'applied' });
  const lastScrape = await prom(`max(timestamp(${METRICS.itemsTotal}{job="${BOT}",outcome="applied"}))`);
  const figures = await figuresFromPrometheus(prometheus.url, `job="${BOT}"`, {
    start: windowStart - 1, // the range is rounded to whole seconds: keep the first scrape inside it
    end: lastScrape,
    step: 1,
  });
  expect(figures.itemsProcessed).toBeCloseTo(applied, 6);
  expect(figures.replicas).toBeCloseTo(1, 1);

  // Rates: the rules' own signal expressions (5 m windows cover the whole run) against the log figures.
  const signal = (alert: string) => {
    const rule = alertDefinitions().find((d) => d.rule.alert === alert)?.rule;
    const threshold = /\s>\s([\d.e-]+)$/.exec(rule?.expr ?? '');
    if (!rule || !threshold) throw new Error(`no rule ${alert}`);
    return { expr: rule.expr.slice(0, threshold.index), threshold: Number(threshold[1]) };
  };
  const errorRule = signal(ALERT_NAMES.errorRate);
  const retryRule = signal(ALERT_NAMES.retryRate);
  const promErrorRate = await prom(errorRule.expr);
  const promRetryRate = await prom(retryRule.expr);
  expect(stats.errorRate).toBeCloseTo(promErrorRate, 9);
  expect(stats.retryRate).toBeCloseTo(promRetryRate, 9);

  // Verdicts: each side's alert for the same thresholds (both rates are above them in this workload).
  const logAlerts = evaluateLogAlerts(stats).map((a) => a.alert);
  for (const [alert, rate, threshold] of [
    [ALERT_NAMES.errorRate, promErrorRate, errorRule.threshold],
    [ALERT_NAMES.retryRate, promRetryRate, retryRule.threshold],
  ] as const) {
    expect({ alert, fires: logAlerts.includes(alert) }).toEqual({ alert, fires: rate > threshold });
  }
  expect(logAlerts).toEqual(expect.arrayContaining([ALERT_NAMES.errorRate]));
  // Prometheus agrees: the rule is pending (its `for` has not elapsed) or firing.
  await waitFor(
    () => prom(`count(ALERTS{alertname="${ALERT_NAMES.errorRate}",job="${BOT}"})`),
    (n) => n === 1,
    { timeoutMs: 10_000, what: `${ALERT_NAMES.errorRate} pending in Prometheus` },
  );
});
