// The ROI report on a real small workload: redis-server, the simulator over HTTP, a rate-limited worker
// process. The report's figures must match the simulator's exact ledger, and its payback must follow from
// the stated inputs (issue 17). ROI_REPORT_OUT keeps the report (to look at the charts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/contracts/prom-text.ts';
import { computeRoi, modelRoi } from '../../../src/roi/arithmetic.ts';
import { figuresFromSnapshots, sampleWorkerMetrics } from '../../../src/roi/measure.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import type { RedisClient } from '../../../src/contracts/redis-connection.ts';
import {
  connect,
  enqueueSynthetic,
  testConfig,
  uniqueNames,
  waitUntilDone,
} from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(120_000);

let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
let worker: WorkerProcess;
let dir: string;
const RATE_LIMIT = 300;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roi-workload-'));
  redis = await startRedisServer();
  client = await connect(redis.url);
  // Transient failures before the effect: retries happen, no response is lost, so every item the worker
  // counts as applied is an effect in the ledger.
  sim = await startSimulator({
    faults: { failureRate: 0.1, lostResponseShare: 0 },
    latency: { medianMs: 2, p95Ms: 6 },
    seed: 17,
  });
});

afterAll(async () => {
  if (worker) await killAll([worker]);
  await sim?.close();
  await client?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('report figures match the simulator ledger', async () => {
  const names = uniqueNames('roi');
  const config = testConfig(names, { primaryUrl: sim.url });
  // A rate limit the throughput chart must show as a plateau.
  worker = await startWorkerProcess({
    name: 'roi-worker-0',
    redisUrl: redis.url,
    config: { ...config, upstream: { ...config.upstream, rateLimitPerSecond: RATE_LIMIT } },
  });
  const metricsUrl = `http://127.0.0.1:${worker.metricsPort}/metrics`;
  const logFile = join(dir, 'worker.log');
  const out = process.env.ROI_REPORT_OUT ?? join(dir, 'report');
  // The CLI samples the worker while it drains the backlog, then reads the worker's log (written below once
  // the backlog is drained, well inside its 30 s) for the raw durations. Stated inputs: the plan sample's
  // 12k/day, 1,800 setup, 0.00275 labor minutes per item (test/unit/roi/arithmetic.test.ts).
  const cli = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings',
      resolve('src/cli/main.ts'),
      'roi',
      '--metrics-url',
      metricsUrl,
      '--duration',
      '30s',
      '--interval',
      '1s',
      '--logs',
      logFile,
      '--items-per-day',
      '12000',
      '--setup-cost',
      '1800',
      '--labor-minutes-per-item',
      '0.00275',
      '--rate-limit',
      String(RATE_LIMIT),
      '--out',
      out,
      '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let cliStderr = '';
  const cliStarted = new Promise<void>((started) =>
    cli.stderr.on('data', (chunk: Buffer) => {
      cliStderr += chunk.toString();
      if (cliStderr.includes('first sample')) started();
    }),
  );
  const cliExit = new Promise<number | null>((exit) => cli.once('exit', exit));
  let done = false;
  let firstSample: () => void = () => undefined;
  const sampled = new Promise<void>((r) => (firstSample = r));
  const sampling = sampleWorkerMetrics([metricsUrl], {
    durationMs: 60_000,
    intervalMs: 1000,
    until: () => done,
    onSnapshot: (n) => n === 1 && firstSample(),
  });
  await Promise.all([sampled, cliStarted]);
  const { keys } = await enqueueSynthetic(client, names.stream, {
    batches: 40,
    warehouses: 3,
    minItems: 50,
    maxItems: 150,
    seed: 4,
  });
  await waitUntilDone(client, names, [sim.ledger], keys, 45_000);
  // The worker records its metrics right after the acknowledgement.
  await waitFor(
    async () => sumOf(await worker.metrics(), METRICS.batchesTotal),
    (n) => n >= 40,
    { timeoutMs: 5000, what: 'all batches counted' },
  );
  done = true;
  writeFileSync(logFile, worker.logs.map((l) => JSON.stringify(l)).join('\n'));
  const snapshots = await sampling;

  const ledger = sim.ledger.summary();
  expect(ledger).toMatchObject({ applied: keys.length, duplicates: 0 });
  const final = await worker.metrics();
  const figures = figuresFromSnapshots(snapshots, { replicas: 1, source: 'worker /metrics' });
  expect(figures.itemsProcessed).toBe(ledger.applied);
  expect(figures.retries).toBe(sumOf(final, METRICS.retriesTotal));
  expect(figures.retries).toBeGreaterThan(0);
  expect(figures.batches).toBe(40);
  expect(figures.cpuSeconds).toBeGreaterThan(0);
  expect(figures.timeline.length).toBeGreaterThanOrEqual(2);
  // The timeline adds up to the same items.
  const fromTimeline = figures.timeline.reduce((sum, p, i) => {
    const previous = i === 0 ? (snapshots[0]?.time as number) : (figures.timeline[i - 1]?.time as number);
    return sum + (p.itemsPerSecond * (p.time - previous)) / 1000;
  }, 0);
  expect(Math.round(fromTimeline)).toBe(ledger.applied);

  // Rate-limited: the busy-span rate (what the model takes as a replica's throughput) is near the limit.
  // Items are counted when their batch (50-150 items) is acknowledged and the worker holds several batches
  // at once (#12); the span starts at the first upstream call (a span from the first acknowledgement read
  // 1.42x in CI on 2026-11-30, 1.4x before the busy-span fix).
  expect(computeRoi(figures).workload.replicaThroughput).toBeLessThan(RATE_LIMIT * 1.3);
  expect(computeRoi(figures).workload.replicaThroughput).toBeGreaterThan(RATE_LIMIT * 0.6);

  const result = computeRoi(figures);
  expect(result.run?.laborMinutesSaved).toBe(2 * ledger.applied);
  expect(result.workload.cpuSecondsPerItem).toBeCloseTo(figures.cpuSeconds / ledger.applied, 12);
  expect(result.costPerItem).toBeGreaterThan(0);

  // The CLI's report: the same items as the ledger, the payback the stated inputs give (two workers, the default
  // minReplicas (#15), 3.7 months).
  expect(await cliExit).toBe(0);
  const markdown = readFileSync(join(out, 'roi-report.md'), 'utf8');
  expect(markdown).toContain(
    `| items processed (applied upstream) | ${ledger.applied.toLocaleString('en-US')} |`,
  );
  expect(markdown).toContain('| setup cost (paid back) | 1,800 USD |');
  expect(markdown).toContain('| items (transactions) per day | 12,000 | given (--items-per-day) |');
  expect(markdown).toContain('| labor minutes saved per item | 0.00275 |');
  const expected = modelRoi(
    { ...result.workload, itemsPerDay: 12_000 },
    { setupCost: 1800, laborMinutesPerItem: 0.00275 },
  ).current;
  expect(expected.workerReplicas).toBe(2);
  expect(Number(expected.paybackMonths.toFixed(1))).toBe(3.7);
  expect(markdown).toContain('paid back in 3.7 months at 12k items/day');
  expect(markdown).toContain(
    `saved ${Math.round(0.00275 * ledger.applied).toLocaleString('en-US')} labor minutes`,
  );
  expect(readFileSync(join(out, 'charts', 'latency.svg'), 'utf8')).toContain('grey dots: every batch (logs)');
  expect(readFileSync(join(out, 'charts', 'throughput.svg'), 'utf8')).toContain(`rate limit ${RATE_LIMIT}/s`);
  for (const chart of ['throughput', 'error-retry-rates', 'latency', 'cost-savings']) {
    expect(existsSync(join(out, 'charts', `${chart}.png`))).toBe(true);
  }
  expect(readFileSync(join(out, 'roi-report.html'), 'utf8')).toContain(
    ledger.applied.toLocaleString('en-US'),
  );
});
