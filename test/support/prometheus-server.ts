// A real Prometheus for a test file (Debian's /usr/bin/prometheus): 127.0.0.1, a free port, a temp dir,
// 1 s scrapes and rule evaluations, the given scrape targets and rules file. stop() in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from './free-port.ts';
import { requireBinary } from './required-binary.ts';
import { waitFor } from './wait-for.ts';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';

export interface ScrapeJob {
  job: string;
  targets: string[];
  labels?: Record<string, string>;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromResponse {
  status: string;
  error?: string;
  data: { resultType: string; result: PromSample[] };
}

export interface PrometheusServer {
  url: string;
  query(expr: string): Promise<PromResponse>;
  /** The first sample's value as a number; NaN without data. */
  scalar(expr: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: {
  jobs: ScrapeJob[];
  rules?: string;
}): Promise<PrometheusServer> {
  const binary = requireBinary(PROMETHEUS);
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  if (options.rules !== undefined) writeFileSync(join(dir, 'rules.yaml'), options.rules);
  writeFileSync(
    join(dir, 'prometheus.yaml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
      ...(options.rules === undefined ? {} : { rule_files: [join(dir, 'rules.yaml')] }),
      scrape_configs: options.jobs.map((j) => ({
        job_name: j.job,
        static_configs: [{ targets: j.targets, ...(j.labels ? { labels: j.labels } : {}) }],
      })),
    }),
  );
  let log = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yaml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const grace = new AbortController();
      await Promise.race([exited, sleep(5000, undefined, { signal: grace.signal }).catch(() => undefined)]);
      grace.abort();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const query = async (expr: string): Promise<PromResponse> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`, {
      signal: AbortSignal.timeout(5000),
    });
    return (await response.json()) as PromResponse;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        return (await fetch(`${url}/-/ready`)).status;
      },
      (status) => status === 200,
      { timeoutMs: 15_000, what: 'prometheus ready' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    query,
    scalar: async (expr) => Number((await query(expr)).data?.result[0]?.value[1] ?? Number.NaN),
    stop,
  };
}
