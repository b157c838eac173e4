// `inventorybot worker` outside a container runs the worker with V8 heap bounds (#12): the process doing
// the work has --max-semi-space-size / --max-old-space-size on its command line, stops with its parent
// (a SIGTERM to the command is a graceful stop, exit 0), and leaves nothing behind when the command is
// SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jest } from '@jest/globals';
import { UNCONTAINED_WORKER_HEAP, workerHeapFlags } from '../../../src/contracts/worker-heap.ts';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { freePort } from '../../support/free-port.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { waitFor } from '../../support/wait-for.ts';

jest.setTimeout(90_000);

const CLI = resolve('src/cli/main.ts');
let redis: RedisServer;
let sim: SimulatorHandle;
const started: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = await startSimulator({ faults: { failureRate: 0 } });
});

afterAll(async () => {
  for (const child of started) child.kill('SIGKILL');
  await sim?.close();
  await redis?.stop();
});

/** A process's command line, or undefined once it is gone (a zombie counts as gone). */
function commandLine(pid: number): string[] | undefined {
  try {
    if (/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

const children = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

async function startCliWorker(name: string) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      '--no-warnings',
      CLI,
      'worker',
      '--redis-url',
      redis.url,
      '--primary-url',
      sim.url,
      '--metrics-port',
      String(port),
      '--metrics-host',
      '127.0.0.1',
      '--name',
      name,
    ],
    { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status,
    (status) => status === 200,
    { timeoutMs: 30_000, what: `the CLI worker ready (stderr: ${stderr})` },
  );
  const [worker] = children(child.pid as number);
  return { child, exited, worker: worker as number };
}

test('the worker runs with the heap bounds, and a SIGTERM stops it gracefully', async () => {
  const { child, exited, worker } = await startCliWorker('heap-bounds-term');
  const argv = commandLine(worker);
  expect(argv).toEqual(expect.arrayContaining(workerHeapFlags(UNCONTAINED_WORKER_HEAP)));
  expect(argv).toEqual(expect.arrayContaining([CLI, 'worker']));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  await waitFor(
    () => commandLine(worker),
    (line) => line === undefined,
    { timeoutMs: 10_000, what: 'the worker process gone' },
  );
});

test('a SIGKILLed worker command leaves no worker behind', async () => {
  const { child, worker } = await startCliWorker('heap-bounds-kill');
  expect(commandLine(worker)).toBeDefined();
  child.kill('SIGKILL');
  await waitFor(
    () => commandLine(worker),
    (line) => line === undefined,
    { timeoutMs: 10_000, what: 'the orphaned worker process gone' },
  );
});
