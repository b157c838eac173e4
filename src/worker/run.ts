// Wires a worker together from its configuration and starts it; main.ts and `inventorybot worker` use it.
import type { Server } from 'node:http';
import { BatchProcessor } from './batch-processor.ts';
import type { WorkerConfig } from './config.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { startHttpServer, serverPort } from './http-server.ts';
import { MarkerStore } from './idempotency.ts';
import { createLogger, stdoutSink, type Logger, type LogSink } from './logger.ts';
import { CIRCUIT_STATE_VALUES } from './metric-names.ts';
import { createWorkerMetrics } from './metrics.ts';
import { readQueueStats } from './queue-stats.ts';
import { createRedisClient } from './redis-connection.ts';
import { DailyRotatingFile } from './rotating-file.ts';
import { StreamQueue } from './stream-queue.ts';
import { UpstreamEndpoint } from './upstream-endpoint.ts';
import { retryPolicyFor, UpstreamRouter } from './upstream-router.ts';
import { CircuitState } from 'cockatiel';
import { PRODUCT_VERSION } from '../contracts/version.ts';

export const WORKER_VERSION = PRODUCT_VERSION;
const STATS_INTERVAL_MS = 5000;

export interface RunningWorker {
  metricsPort: number;
  logger: Logger;
  /** Stops reading, waits for the batches in flight (up to the grace period), closes everything. */
  shutdown(): Promise<{ drained: boolean }>;
}

const circuitValue = (state: CircuitState) =>
  state === CircuitState.HalfOpen
    ? CIRCUIT_STATE_VALUES.half_open
    : state === CircuitState.Closed
      ? CIRCUIT_STATE_VALUES.closed
      : CIRCUIT_STATE_VALUES.open;

export async function runWorker(config: WorkerConfig): Promise<RunningWorker> {
  const file = config.logFile ? new DailyRotatingFile(config.logFile) : undefined;
  const sinks: LogSink[] = [stdoutSink, ...(file ? [(line: string) => file.write(line)] : [])];
  const logger = createLogger({ level: config.monitoring.logLevel, sinks });
  const metrics = createWorkerMetrics({ version: WORKER_VERSION, consumer: config.consumerName });

  let redisDown = false;
  const onRedisError = (error: Error) => {
    if (!redisDown) logger.warn('redis_error', { error: error.message });
    redisDown = true;
  };
  const client = createRedisClient(config.redisUrl, onRedisError, { name: config.consumerName });
  const reader = client.duplicate();
  reader.on('error', onRedisError);
  for (const c of [client, reader]) {
    c.on('ready', () => {
      if (redisDown) logger.info('redis_reconnected', {});
      redisDown = false;
    });
  }
  await Promise.all([client.connect(), reader.connect()]);

  const observer = {
    onCall(upstream: string, result: string, seconds: number) {
      metrics.upstreamRequests.inc({ upstream, result });
      metrics.upstreamDuration.observe({ upstream }, seconds);
      if (result !== 'ok') metrics.errors.inc({ error_code: result });
    },
  };
  const urls = [
    ['primary', config.upstream.primaryUrl],
    ...(config.upstream.secondaryUrl ? [['secondary', config.upstream.secondaryUrl]] : []),
  ] as const;
  const endpoints = urls.map(
    ([name, url]) =>
      new UpstreamEndpoint(
        {
          name,
          url,
          timeoutMs: config.upstream.timeoutMs,
          rateLimitPerSecond: config.upstream.rateLimitPerSecond,
          consecutiveFailures: config.circuitBreaker.consecutiveFailures,
          halfOpenAfterMs: config.circuitBreaker.halfOpenAfterMs,
          connections: config.concurrency.batches * config.concurrency.itemsPerBatch,
          ...(config.upstreamToken ? { token: config.upstreamToken } : {}),
        },
        observer,
      ),
  );
  for (const endpoint of endpoints) {
    metrics.circuitState.set({ upstream: endpoint.name }, 0);
    endpoint.breaker.onStateChange((state) => {
      metrics.circuitState.set({ upstream: endpoint.name }, circuitValue(state));
      logger.warn('circuit_state', { upstream: endpoint.name, state: CircuitState[state] });
    });
  }
  const retryPolicy = retryPolicyFor(config.retry);
  retryPolicy.onRetry(() => metrics.retries.inc());
  const router = new UpstreamRouter(endpoints, retryPolicy);

  const names = {
    stream: config.queue.stream,
    consumerGroup: config.queue.consumerGroup,
    deadLetterStream: config.queue.deadLetterStream,
  };
  const queue = new StreamQueue(client, reader, { ...names, consumer: config.consumerName });
  await queue.ensureGroup();
  const processor = new BatchProcessor(
    {
      maxDeliveries: config.queue.maxDeliveries,
      itemsPerBatch: config.concurrency.itemsPerBatch,
      consumer: config.consumerName,
    },
    {
      queue,
      markers: new MarkerStore(client, config.queue.stream, config.markerTtlSeconds),
      router,
      metrics,
      logger,
    },
  );
  const consumer = new ConsumerLoop(
    {
      batches: config.concurrency.batches,
      readCount: config.queue.readCount,
      claimIdleMs: config.queue.claimIdleSeconds * 1000,
    },
    { queue, processor, metrics, logger },
  );

  const ping = async () => {
    try {
      return (
        (await Promise.race([client.ping(), new Promise((r) => setTimeout(r, 1000, 'timeout'))])) === 'PONG'
      );
    } catch {
      return false;
    }
  };
  const server: Server = await startHttpServer(config.monitoring.metricsPort, config.metricsHost, {
    registry: metrics.registry,
    ready: async () => !consumer.stopping && (await ping()),
  });

  const refreshStats = async () => {
    const stats = await readQueueStats(client, names);
    metrics.queueLength.set(stats.length);
    if (stats.lag !== undefined) metrics.queueLag.set(stats.lag);
    metrics.queuePending.set(stats.pending);
    metrics.queueOldestPending.set(stats.oldestPendingSeconds);
    metrics.deadLetterLength.set(stats.deadLetters);
  };
  const statsTimer = setInterval(() => {
    if (!redisDown) refreshStats().catch(() => undefined);
  }, STATS_INTERVAL_MS);
  statsTimer.unref();

  consumer.start();
  logger.info('bot_start', {
    version: WORKER_VERSION,
    consumer: config.consumerName,
    stream: config.queue.stream,
    consumer_group: config.queue.consumerGroup,
    upstreams: endpoints.map((e) => e.name),
    concurrency: config.concurrency,
    metrics_port: serverPort(server),
  });

  return {
    metricsPort: serverPort(server),
    logger,
    async shutdown() {
      const started = performance.now();
      logger.info('bot_stopping', { grace_seconds: config.shutdownGraceSeconds });
      const drained = await consumer.stop(config.shutdownGraceSeconds * 1000);
      clearInterval(statsTimer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await router.close().catch(() => undefined);
      await Promise.all([client, reader].map((c) => c.close().catch(() => c.destroy())));
      logger.info('bot_stop', {
        drained,
        duration: Number(((performance.now() - started) / 1000).toFixed(3)),
      });
      file?.close();
      return { drained };
    },
  };
}
