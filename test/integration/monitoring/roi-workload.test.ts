// The ROI report on a real small workload: redis-server, the simulator over HTTP, a worker process. The
// report's figures must match the simulator's exact ledger.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { sumOf } from '../../../src/cli/prom-text.ts';
import { computeRoi } from '../../../src/roi/arithmetic.ts';
import { figuresFromSnapshots, sampleWorkerMetrics } from '../../../src/roi/measure.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { METRICS } from '../../../src/worker/metric-names.ts';
import type { RedisClient } from '../../../src/worker/redis-connection.ts';
import {
  connect,
  enqueueSynthetic,
  testConfig,
  uniqueNames,
  waitUntilDone,
} from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';

jest.setTimeout(90_000);

let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
let worker: WorkerProcess;
let dir: string;

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
  worker = await startWorkerProcess({
    name: 'roi-worker-0',
    redisUrl: redis.url,
    config: testConfig(names, { primaryUrl: sim.url }),
  });
  const metricsUrl = `http://127.0.0.1:${worker.metricsPort}/metrics`;
  let done = false;
  const sampling = sampleWorkerMetrics([metricsUrl], {
    durationMs: 60_000,
    intervalMs: 500,
    until: () => done,
  });
  const { keys } = await enqueueSynthetic(client, names.stream, {
    batches: 40,
    warehouses: 3,
    minItems: 50,
    maxItems: 150,
    seed: 4,
  });
  await waitUntilDone(client, names, [sim.ledger], keys, 45_000);
  await sleep(300); // the worker records its metrics right after the acknowledgement
  done = true;
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

  const result = computeRoi(figures);
  expect(result.run.laborMinutesSaved).toBe(2 * ledger.applied);
  expect(result.cpuSecondsPerItem).toBeCloseTo(figures.cpuSeconds / ledger.applied, 12);
  expect(result.costPerItem).toBeGreaterThan(0);

  // The CLI, reading the same worker's totals since start, writes the same item count into its report.
  const out = join(dir, 'report');
  const cli = await new Promise<{ code: number; stderr: string }>((finish) =>
    execFile(
      process.execPath,
      [
        '--experimental-strip-types',
        '--no-warnings',
        resolve('src/cli/main.ts'),
        'roi',
        '--metrics-url',
        metricsUrl,
        '--duration',
        '0',
        '--setup-cost',
        '5000',
        '--out',
        out,
        '--quiet',
      ],
      { timeout: 30_000 },
      (error, _stdout, stderr) => finish({ code: error ? 1 : 0, stderr }),
    ),
  );
  expect(cli).toMatchObject({ code: 0 });
  const markdown = readFileSync(join(out, 'roi-report.md'), 'utf8');
  expect(markdown).toContain(
    `| items processed (applied upstream) | ${ledger.applied.toLocaleString('en-US')} |`,
  );
  expect(markdown).toContain(`| setup cost | 5,000 USD |`);
  expect(markdown).toContain(`${(2 * ledger.applied).toLocaleString('en-US')} min`);
  for (const chart of ['throughput', 'error-retry-rates', 'latency', 'cost-savings']) {
    expect(existsSync(join(out, 'charts', `${chart}.png`))).toBe(true);
  }
  expect(readFileSync(join(out, 'roi-report.html'), 'utf8')).toContain(
    ledger.applied.toLocaleString('en-US'),
  );
});
