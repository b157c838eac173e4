// Issue 11, case 9: config is strict (unknown keys, typos, a JSON array: exit 2 naming the key), env
// values are converted by the field's type (a stream named `2024` works), and with Redis unreachable or
// rejecting the password the worker serves /healthz, is not ready with the cause, logs it again and
// again, and never prints the password (nor does the CLI).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jest } from '@jest/globals';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { skuFor } from '../../../src/simulator/catalogue.ts';
import { encodeBatch } from '../../../src/worker/message.ts';
import { freePort } from '../../support/free-port.ts';
import { connect, testConfig, uniqueNames } from '../../support/queue-fixture.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  killAll,
  startWorkerProcess,
  WORKER_MAIN,
  type WorkerProcess,
} from '../../support/worker-process.ts';

jest.setTimeout(60_000);

const PASSWORD = 'Sup3r-Secret-Pa55';
const CLI = resolve('src/cli/main.ts');
let redis: RedisServer;
let locked: RedisServer;
let sim: SimulatorHandle;
const dir = mkdtempSync(join(tmpdir(), 'inventorybot-config-'));
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  locked = await startRedisServer();
  const admin = await connect(locked.url);
  await admin.configSet('requirepass', PASSWORD);
  await admin.close();
  sim = await startSimulator({ faults: { failureRate: 0 } });
});

afterAll(async () => {
  await killAll(workers);
  await sim?.close();
  await redis?.stop();
  await locked?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', ...args], {
      env: { PATH: process.env.PATH ?? '', INVENTORYBOT_METRICS_HOST: '127.0.0.1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

test.each([
  ['an unknown top-level key', { upstream: { primaryUrl: 'http://a' }, retries: {} }, /retries: unknown key/],
  [
    'a typo in a section',
    { upstream: { primaryUrl: 'http://a' }, queue: { maxDelivery: 3 } },
    /queue\.maxDelivery: unknown key \(did you mean maxDeliveries\?\)/,
  ],
  ['a JSON array', [{ upstream: { primaryUrl: 'http://a' } }], /must be a JSON object, got an array/],
  ['a wrong type', { upstream: { primaryUrl: 'http://a', timeoutMs: '2000' } }, /upstream\.timeoutMs/],
])('%s in config.json: exit 2 naming it', async (_, content, message) => {
  const result = await run([WORKER_MAIN], {
    REDIS_URL: redis.url,
    INVENTORYBOT_CONFIG: configFile('bad.json', content),
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
});

test('a typo in an env override: exit 2 naming the variable', async () => {
  const result = await run([WORKER_MAIN], {
    REDIS_URL: redis.url,
    INVENTORYBOT_UPSTREAM_PRIMARY_URL: sim.url,
    INVENTORYBOT_RETRY_MAX_ATEMPTS: '3',
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('INVENTORYBOT_RETRY_MAX_ATEMPTS: unknown variable');
});

test('env values are converted by the declared type: a stream named 2024 is a string and works', async () => {
  const client = await connect(redis.url);
  try {
    const names = { ...uniqueNames('typed'), stream: '2024', deadLetterStream: '2025' };
    await client.del(['2024', '2025']);
    await client.xAdd(
      '2024',
      '*',
      encodeBatch({
        batchId: 'typed-1',
        warehouse: 'WH-01',
        items: [{ sku: skuFor(1), delta: 1 }],
        enqueuedAt: new Date().toISOString(),
      }),
    );
    const worker = await startWorkerProcess({
      name: 'typed',
      redisUrl: redis.url,
      config: testConfig(
        { ...names, stream: 'ignored', deadLetterStream: 'ignored-dead' },
        { primaryUrl: sim.url },
      ),
      env: {
        INVENTORYBOT_QUEUE_STREAM: '2024',
        INVENTORYBOT_QUEUE_DEAD_LETTER_STREAM: '2025',
        INVENTORYBOT_QUEUE_MAX_DELIVERIES: '3',
      },
    });
    workers.push(worker);
    await waitFor(
      () => sim.ledger.applications().get('typed-1:0'),
      (n) => n === 1,
      { timeoutMs: 10_000, what: 'batch on stream 2024 applied' },
    );
    expect(worker.logs.find((l) => l.event === 'bot_start')).toMatchObject({ stream: '2024' });
  } finally {
    await client.close();
  }
});

async function startUnready(name: string, redisUrl: string) {
  const worker = await startWorkerProcess({
    name,
    redisUrl,
    config: testConfig(uniqueNames(name), { primaryUrl: sim.url }),
    waitUntil: 'serving',
  });
  workers.push(worker);
  return worker;
}

test('Redis unreachable: /healthz serves, /readyz says why, the cause is logged again and again', async () => {
  const port = await freePort();
  const worker = await startUnready('no-redis', `redis://:${PASSWORD}@127.0.0.1:${port}`);
  const base = `http://127.0.0.1:${worker.metricsPort}`;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const readyz = await fetch(`${base}/readyz`);
  expect(readyz.status).toBe(503);
  const body = await readyz.text();
  expect(body).toContain('ECONNREFUSED');
  expect(body).toContain(`redis://:***@127.0.0.1:${port}`);
  const lines = await waitFor(
    () => worker.logs.filter((l) => l.event === 'redis_unavailable'),
    (found) => found.length >= 2,
    { timeoutMs: 25_000, what: 'the cause logged twice' },
  );
  expect(lines[0]).toMatchObject({
    level: 'warn',
    redis: `redis://:***@127.0.0.1:${port}`,
    error: expect.stringContaining('ECONNREFUSED'),
  });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toContain('inventorybot_redis_up 0');
  for (const text of [JSON.stringify(worker.logs), worker.stderr(), body, metrics])
    expect(text).not.toContain(PASSWORD);
});

test('Redis rejects the password: not ready with the cause, the password nowhere; the CLI does not print it either', async () => {
  const wrong = `redis://:${PASSWORD}-wrong@127.0.0.1:${locked.port}`;
  const worker = await startUnready('wrong-password', wrong);
  const base = `http://127.0.0.1:${worker.metricsPort}`;
  const body = await waitFor(
    async () => (await fetch(`${base}/readyz`)).text(),
    (text) => text.includes('WRONGPASS'),
    { timeoutMs: 10_000, what: 'readiness names WRONGPASS' },
  );
  await waitFor(
    () => worker.logs.filter((l) => l.event === 'redis_unavailable').length,
    (n) => n >= 1,
    { timeoutMs: 10_000, what: 'logged' },
  );
  for (const text of [JSON.stringify(worker.logs), worker.stderr(), body])
    expect(text).not.toContain(PASSWORD);

  const cli = await run([CLI, 'queue', 'stats', '--redis-url', wrong], {});
  expect(cli.code).toBe(1);
  expect(cli.stderr).toContain('WRONGPASS');
  expect(cli.stderr).toContain(`redis://:***@127.0.0.1:${locked.port}`);
  expect(cli.stdout + cli.stderr).not.toContain(PASSWORD);

  // With the right password the same Redis makes a worker ready, and the password is still never logged.
  const good = await startWorkerProcess({
    name: 'right-password',
    redisUrl: `redis://:${PASSWORD}@127.0.0.1:${locked.port}`,
    config: testConfig(uniqueNames('right'), { primaryUrl: sim.url }),
  });
  workers.push(good);
  expect(JSON.stringify(good.logs)).not.toContain(PASSWORD);
});
