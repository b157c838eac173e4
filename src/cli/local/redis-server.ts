// A local redis-server child process for the demo and the tests: loopback only, a temp data dir, AOF on,
// no RDB snapshots, noeviction (a queue must never lose entries). restart() keeps the port and data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  /** Graceful stop (SIGTERM: the AOF is flushed) and start again on the same port and data dir. */
  restart(): Promise<void>;
  /** Graceful stop keeping port and data, for an outage of a while; up() starts it again. */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  binary?: string;
  port?: number;
  dir?: string;
  startTimeoutMs?: number;
}

export const DEFAULT_REDIS_BINARY = '/usr/bin/redis-server';

function launch(binary: string, port: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A missing binary names itself and the fix, not just "spawn ... ENOENT" (#9).
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `${binary} not found: install Debian's redis-server (\`make prerequisites\` in a checkout, or \`sudo apt-get install -y redis-server\`)`,
              { cause: error },
            )
          : error,
      );
    });
  });
}

function terminate(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = options.binary ?? DEFAULT_REDIS_BINARY;
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'inventorybot-redis-'));
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let child = await launch(binary, port, dir, timeoutMs);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      await terminate(child);
      child = await launch(binary, port, dir, timeoutMs);
    },
    async down() {
      await terminate(child);
    },
    async up() {
      child = await launch(binary, port, dir, timeoutMs);
    },
    async stop() {
      await terminate(child);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
