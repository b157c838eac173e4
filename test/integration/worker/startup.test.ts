// Worker process start-up: a bad config stops it with exit 2 naming the field; probes and the log file.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import {
  killAll,
  startWorkerProcess,
  WORKER_MAIN,
  type WorkerProcess,
} from '../../support/worker-process.ts';
import { testConfig, uniqueNames } from '../../support/queue-fixture.ts';
import { PRODUCT_VERSION } from '../../../src/contracts/version.ts';

jest.setTimeout(30_000);

let redis: RedisServer;
let sim: SimulatorHandle;
const dir = mkdtempSync(join(tmpdir(), 'inventorybot-startup-'));
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = await startSimulator({ faults: { failureRate: 0 } });
});

afterAll(async () => {
  await killAll(workers);
  await sim?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runWorker(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', WORKER_MAIN], {
      env: { PATH: process.env.PATH ?? '', INVENTORYBOT_METRICS_HOST: '127.0.0.1', ...env },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

test('an invalid config stops the worker with exit code 2 and a message naming the field', async () => {
  const path = join(dir, 'bad.json');
  writeFileSync(path, JSON.stringify({ upstream: { primaryUrl: sim.url }, concurrency: { batches: 0 } }));
  const bad = await runWorker({ REDIS_URL: redis.url, INVENTORYBOT_CONFIG: path });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/concurrency\.batches/);

  const noRedis = await runWorker({ INVENTORYBOT_UPSTREAM_PRIMARY_URL: sim.url });
  expect(noRedis.code).toBe(2);
  expect(noRedis.stderr).toMatch(/REDIS_URL/);

  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{');
  expect((await runWorker({ REDIS_URL: redis.url, INVENTORYBOT_CONFIG: notJson })).code).toBe(2);
});

test('serves /healthz, /readyz and /metrics, and writes the JSON log file', async () => {
  const logFile = join(dir, 'logs', 'worker.log');
  const worker = await startWorkerProcess({
    name: 'probes',
    redisUrl: redis.url,
    config: testConfig(uniqueNames('probes'), { primaryUrl: sim.url }),
    env: { INVENTORYBOT_LOG_FILE: logFile },
  });
  workers.push(worker);
  const base = `http://127.0.0.1:${worker.metricsPort}`;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${base}/metrics`)).text()).toContain(
    `inventorybot_worker_info{version="${PRODUCT_VERSION}",consumer="probes"} 1`,
  );
  const files = readdirSync(join(dir, 'logs'));
  expect(files).toEqual([expect.stringMatching(/^worker-\d{4}-\d{2}-\d{2}\.log$/)]);
  const first = JSON.parse(
    readFileSync(join(dir, 'logs', files[0] as string), 'utf8').split('\n')[0] as string,
  );
  expect(first).toMatchObject({ event: 'bot_start', consumer: 'probes' });
});
