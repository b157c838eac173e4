// Runs the real worker entry point (src/worker/main.ts) as a child process with a config file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMetrics, type Sample } from '../../src/contracts/prom-text.ts';
import { parseLogLine } from '../../src/contracts/log-line.ts';
import type { WorkerFileConfigInput } from '../../src/contracts/worker-config.ts';
import { eachLine } from './each-line.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export const WORKER_MAIN = fileURLToPath(new URL('../../src/worker/main.ts', import.meta.url));

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  metricsPort: number;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  metrics(): Promise<Sample[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export async function startWorkerProcess(options: {
  name: string;
  redisUrl: string;
  config: Omit<WorkerFileConfigInput, 'monitoring'> & { monitoring?: WorkerFileConfigInput['monitoring'] };
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** ready (default): /readyz answers 200; serving: /healthz does (a worker that may never be ready). */
  waitUntil?: 'ready' | 'serving';
}): Promise<WorkerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'inventorybot-worker-'));
  const metricsPort = await freePort();
  const configPath = join(dir, 'config.json');
  const config = { ...options.config, monitoring: { metricsPort, ...options.config.monitoring } };
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', WORKER_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: options.redisUrl,
      INVENTORYBOT_CONFIG: configPath,
      POD_NAME: options.name,
      INVENTORYBOT_METRICS_HOST: '127.0.0.1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  eachLine(child.stdout, (line) => logs.push(parseLogLine(line) ?? { event: 'unparsed', line }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${metricsPort}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`worker exited early: ${stderr}`);
        return (await fetch(`${url}/${options.waitUntil === 'serving' ? 'healthz' : 'readyz'}`)).status;
      },
      (status) => status === 200,
      { timeoutMs: options.readyTimeoutMs ?? 20_000, what: `worker ${options.name} ready` },
    );
  } catch (error) {
    // Never registered with the test, so nothing else would stop it: a worker left running kept Jest
    // from exiting after a readiness timeout.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    name: options.name,
    child,
    metricsPort,
    logs,
    stderr: () => stderr,
    metrics: async () => parseMetrics(await (await fetch(`${url}/metrics`)).text()),
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** afterAll helper: SIGKILL whatever is still running and wait for it. */
export async function killAll(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      w.kill('SIGKILL');
      await w.exited;
    }),
  );
}
