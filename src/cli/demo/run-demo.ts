// `make demo`: Redis, the simulator and a few workers as local child processes, a synthetic workload
// with a progress bar, and a summary read from the workers' metrics and the simulator's ledger.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isKnownSku } from '../../simulator/catalogue.ts';
import { PERMANENT_UPSTREAM_CODES } from '../../worker/errors.ts';
import { listDeadLetters } from '../../worker/dead-letter-store.ts';
import { METRICS } from '../../contracts/worker-metric-names.ts';
import { itemKey, parseBatchFields } from '../../worker/message.ts';
import { readQueueStats } from '../../contracts/queue-stats.ts';
import { enqueueBatches } from '../enqueue-batches.ts';
import { freePort } from '../local/free-port.ts';
import { startLocalRedis } from '../local/redis-server.ts';
import { ProgressBar } from '../progress-bar.ts';
import { histogramQuantile, parseMetrics, sumOf, type Sample } from '../../contracts/prom-text.ts';
import { connectCli } from '../queue-options.ts';
import { syntheticBatches } from '../workload.ts';
import { entryPoint, startChild, type Child } from './child-process.ts';
import { exactlyOncePassed, formatSummary, type DemoFigures } from './summary.ts';

export interface DemoOptions {
  workers: number;
  batches: number;
  minItems: number;
  maxItems: number;
  warehouses: number;
  failureRate: number;
  unknownSkuRate: number;
  seed: number;
  redisServer: string;
  timeoutSeconds: number;
}

const NAMES = {
  stream: 'inventory:batches',
  consumerGroup: 'inventorybot',
  deadLetterStream: 'inventory:dead-letter',
};

async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** Item keys held by a dead letter (replaying it would apply them). */
function deadLetterItemKeys(raw: string): string[] {
  const parsed = parseBatchFields({ batch: raw });
  return parsed.ok ? parsed.batch.items.map((item, i) => itemKey(parsed.batch, item, i)) : [];
}

/** Runs the demo; resolves with the exit code (0: the exactly-once check passed). */
export async function runDemo(o: DemoOptions): Promise<number> {
  const logDir = mkdtempSync(join(tmpdir(), 'inventorybot-demo-'));
  const children: Child[] = [];
  const redis = await startLocalRedis({ binary: o.redisServer });
  try {
    const simPort = await freePort();
    const simUrl = `http://127.0.0.1:${simPort}`;
    children.push(
      startChild(
        entryPoint('simulator/main'),
        {
          SIMULATOR_PORT: String(simPort),
          SIMULATOR_FAILURE_RATE: String(o.failureRate),
          SIMULATOR_SEED: String(o.seed),
        },
        join(logDir, 'simulator.log'),
      ),
    );
    const metricsPorts = await Promise.all(Array.from({ length: o.workers }, () => freePort()));
    const workers = metricsPorts.map((port, i) =>
      startChild(
        entryPoint('worker/main'),
        {
          REDIS_URL: redis.url,
          POD_NAME: `demo-worker-${i + 1}`,
          INVENTORYBOT_UPSTREAM_PRIMARY_URL: simUrl,
          INVENTORYBOT_UPSTREAM_RATE_LIMIT_PER_SECOND: '5000',
          INVENTORYBOT_MONITORING_METRICS_PORT: String(port),
          INVENTORYBOT_METRICS_HOST: '127.0.0.1',
          INVENTORYBOT_QUEUE_CLAIM_IDLE_SECONDS: '2',
          // 20% independent failures would trip a 5-in-a-row breaker every few thousand calls; that is
          // noise, not an outage, so the demo opens it only on a real run of failures.
          INVENTORYBOT_CIRCUIT_BREAKER_CONSECUTIVE_FAILURES: '20',
          INVENTORYBOT_CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS: '2000',
        },
        join(logDir, `worker-${i + 1}.log`),
      ),
    );
    children.push(...workers);
    await waitHttp(`${simUrl}/healthz`, 15_000);
    await Promise.all(metricsPorts.map((port) => waitHttp(`http://127.0.0.1:${port}/readyz`, 20_000)));
    console.error(`redis ${redis.url}, simulator ${simUrl}, ${o.workers} workers (logs in ${logDir})`);

    const batches = [
      ...syntheticBatches({
        batches: o.batches,
        warehouses: o.warehouses,
        minItems: o.minItems,
        maxItems: o.maxItems,
        unknownSkuRate: o.unknownSkuRate,
        seed: o.seed,
        runId: `demo-${Date.now().toString(36)}`,
      }),
    ];
    const items = batches.reduce((sum, b) => sum + b.items.length, 0);
    const expectedKeys = batches.flatMap((b) =>
      b.items.flatMap((item, i) => (isKnownSku(item.sku) ? [itemKey(b, item, i)] : [])),
    );
    const client = await connectCli(redis.url);
    const started = performance.now();
    const enqueueBar = new ProgressBar('enqueue', batches.length);
    await enqueueBatches(client, batches, { stream: NAMES.stream, onProgress: (n) => enqueueBar.update(n) });
    enqueueBar.finish();

    const processBar = new ProgressBar('process', items);
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    for (;;) {
      const [ledger, stats] = await Promise.all([
        getJson<{ applied: number }>(`${simUrl}/admin/ledger`),
        readQueueStats(client, NAMES),
      ]);
      const drained = stats.pending === 0 && stats.lag === 0;
      processBar.update(drained ? items : Math.min(items, ledger.applied));
      if (drained) break;
      if (Date.now() > deadline)
        throw new Error(`workload not done after ${o.timeoutSeconds} s: ${JSON.stringify(stats)}`);
      await sleep(200);
    }
    const seconds = (performance.now() - started) / 1000;
    processBar.finish(items);

    const samples: Sample[] = (
      await Promise.all(
        metricsPorts.map(async (port) =>
          parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()),
        ),
      )
    ).flat();
    const ledger = await getJson<{ applied: number; duplicates: number; replays: number }>(
      `${simUrl}/admin/ledger`,
    );
    const applications = await getJson<Record<string, number>>(`${simUrl}/admin/ledger/keys`);
    const expected = new Set(expectedKeys);
    const dead = await listDeadLetters(client, NAMES.deadLetterStream);
    const deadKeys = new Set(dead.flatMap((d) => deadLetterItemKeys(d.batch)));
    await client.close();

    const exits = await Promise.all(workers.map((w) => w.stop('SIGTERM')));
    const calls = sumOf(samples, METRICS.upstreamRequestsTotal);
    const figures: DemoFigures = {
      workers: o.workers,
      batches: batches.length,
      items,
      failureRate: o.failureRate,
      seconds,
      batchOutcomes: Object.fromEntries(
        ['success', 'partial', 'failed', 'dead_lettered', 'invalid'].map((outcome) => [
          outcome,
          sumOf(samples, METRICS.batchesTotal, { outcome }),
        ]),
      ),
      p50: histogramQuantile(samples, METRICS.batchDurationSeconds, 0.5),
      p95: histogramQuantile(samples, METRICS.batchDurationSeconds, 0.95),
      p99: histogramQuantile(samples, METRICS.batchDurationSeconds, 0.99),
      retries: sumOf(samples, METRICS.retriesTotal),
      upstreamCalls: calls,
      upstreamErrors: samples
        .filter(
          (x) =>
            x.name === METRICS.upstreamRequestsTotal &&
            !['ok', ...PERMANENT_UPSTREAM_CODES].includes(x.labels.result ?? ''),
        )
        .reduce((sum, x) => sum + x.value, 0),
      deadLetters: dead.reduce<Record<string, number>>(
        (acc, d) => ({ ...acc, [d.errorCode]: (acc[d.errorCode] ?? 0) + 1 }),
        {},
      ),
      ledger,
      exactlyOnce: {
        expected: expectedKeys.length,
        deadLettered: expectedKeys.filter((k) => applications[k] === undefined && deadKeys.has(k)).length,
        missing: expectedKeys.filter((k) => applications[k] === undefined && !deadKeys.has(k)).length,
        duplicated: Object.values(applications).filter((count) => count > 1).length,
        unexpected: Object.keys(applications).filter((k) => !expected.has(k)).length,
      },
      cleanExits: exits.filter((code) => code === 0).length,
    };
    console.log(formatSummary(figures));
    return exactlyOncePassed(figures) ? 0 : 1;
  } finally {
    await Promise.all(children.map((c) => c.stop('SIGTERM')));
    await redis.stop();
  }
}
