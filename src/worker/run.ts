// Wires a worker together from its configuration and starts it; main.ts and `inventorybot worker` use it.
// The probe server starts first: while Redis is unreachable or rejects the credentials the worker serves
// /healthz, answers /readyz with 503 and the cause, and logs `redis_unavailable` again every 10 s
// (issue 11). Secrets are redacted from every log line. The core reports on one WorkerEvents (#16);
// metrics-subscriber.ts and log-subscriber.ts, subscribed here, turn that into metrics and log lines.
import type { Server } from 'node:http';
import { BatchProcessor } from './batch-processor.ts';
import type { WorkerConfig } from './config.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { startHttpServer, serverPort } from './http-server.ts';
import { MarkerStore } from './idempotency.ts';
import { IntakeMonitor } from './intake-monitor.ts';
import { PresencePublisher } from './presence-publisher.ts';
import { subscribeLogs } from './log-subscriber.ts';
import { createLogger, stdoutSink, type Logger, type LogSink } from '../contracts/logger.ts';
import { createWorkerMetrics } from './metrics.ts';
import { subscribeMetrics } from './metrics-subscriber.ts';
import { readQueueStats, type QueueStats } from '../contracts/queue-stats.ts';
import { redactUrl, urlSecrets } from '../contracts/redaction.ts';
import { createRedisClient } from '../contracts/redis-connection.ts';
import { DailyRotatingFile } from './rotating-file.ts';
import { StreamQueue } from './stream-queue.ts';
import { ShardConsumer, shardLeaseTtlMs } from './shard-consumer.ts';
import { UpstreamEndpoint, type CallObserver } from './upstream-endpoint.ts';
import { UpstreamRouter } from './upstream-router.ts';
import { PRODUCT_VERSION } from '../contracts/version.ts';
import { WorkerEvents } from './worker-events.ts';

export const WORKER_VERSION = PRODUCT_VERSION;
const STATS_INTERVAL_MS = 5000;
// Batches held per spec.concurrency.batches (issue 12): an item waiting in backoff holds no upstream call
// slot, so while it waits the worker keeps the slots busy with other batches' items. Bounded, so a slow
// upstream does not pull the whole queue into one replica. A batch whose items all wait in backoff is
// not counted (at the plans' 20 % failures most batches wait on some retry, and counting them capped
// throughput near in-hand / backoff time); the hard bound below counts every batch held.
const BATCHES_IN_HAND_PER_SLOT = 8;
const BATCHES_HELD_PER_SLOT = 32;
// Demand-driven intake within those bounds (#12): more batches only while the items in hand without a
// call slot yet are fewer than this many times the call limit: enough to refill every slot while the next
// read is under way (32 slots, batches of 10, readCount 10: 7–16 batches in hand instead of 32).
const WAITING_PER_CALL_SLOT = 1;
// An empty shard is woken by the shard watcher's blocking read (#13); it also looks again itself this
// often, in case a wake-up was missed.
const SHARD_IDLE_RECHECK_MS = 1000;

export interface RunningWorker {
  metricsPort: number;
  logger: Logger;
  /** Settles once connected to Redis and consuming (the probe server answers before that). */
  started: Promise<void>;
  /** Stops reading, waits for the batches in flight (up to the grace period), closes everything. */
  shutdown(): Promise<{ drained: boolean }>;
}

export async function runWorker(config: WorkerConfig): Promise<RunningWorker> {
  const file = config.logFile ? new DailyRotatingFile(config.logFile) : undefined;
  const sinks: LogSink[] = [stdoutSink, ...(file ? [(line: string) => file.write(line)] : [])];
  const secrets = [
    ...urlSecrets(config.redisUrl),
    ...urlSecrets(config.upstream.primaryUrl),
    ...urlSecrets(config.upstream.secondaryUrl),
    ...(config.upstreamToken ? [config.upstreamToken] : []),
  ];
  const logger = createLogger({ level: config.monitoring.logLevel, sinks, secrets });
  const metrics = createWorkerMetrics({ version: WORKER_VERSION, consumer: config.consumerName });
  const redisWhere = redactUrl(config.redisUrl);
  const events = new WorkerEvents();

  // --- upstreams
  // The breaker callbacks need the router and the intake monitor, which need the endpoints.
  const late: { router?: UpstreamRouter; intake?: IntakeMonitor } = {};
  const observer: CallObserver = {
    onCall(upstream, result, seconds) {
      events.emit('upstream-call', upstream, result, seconds);
    },
    onBreaker(upstream, state, previous) {
      events.emit('breaker-changed', upstream, state, previous);
      late.router?.notify();
      late.intake?.check();
    },
    onLimit(upstream, limit) {
      events.emit('limit-changed', upstream, limit);
    },
  };
  const { batches, itemsPerBatch, upstreamCallsMin, upstreamCallsMax } = config.concurrency;
  const urls = [
    ['primary', config.upstream.primaryUrl],
    ...(config.upstream.secondaryUrl ? [['secondary', config.upstream.secondaryUrl]] : []),
  ] as const;
  // Subscribed before anything can happen (an endpoint reports its first call limit as it is built).
  subscribeMetrics(
    events,
    metrics,
    urls.map(([name]) => name),
  );
  subscribeLogs(events, logger);
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
          // Starts where the fixed concurrency of earlier versions was, then adapts (issue 12).
          calls: { min: upstreamCallsMin, max: upstreamCallsMax, initial: batches * itemsPerBatch },
          ...(config.upstreamToken ? { token: config.upstreamToken } : {}),
        },
        observer,
      ),
  );
  const router = new UpstreamRouter(endpoints, events);
  const intake = new IntakeMonitor(router, events);
  late.router = router;
  late.intake = intake;

  // --- Redis: connect in the background, say why it is not there, again and again
  const redis = { up: false, cause: 'connecting', since: Date.now() };
  const onRedisError = (error: Error) => {
    const now = Date.now();
    if (redis.up) redis.since = now;
    redis.up = false;
    redis.cause = error.message;
    events.emit('redis-down', redisWhere, error, redis.since, now);
  };
  const client = createRedisClient(config.redisUrl, onRedisError, { name: config.consumerName });
  const reader = client.duplicate();
  reader.on('error', onRedisError);
  for (const c of [client, reader]) {
    c.on('ready', () => {
      if (!client.isReady || !reader.isReady) return;
      const wasDown = !redis.up;
      redis.up = true;
      events.emit('redis-up', redisWhere, wasDown);
    });
  }

  const names = {
    stream: config.queue.stream,
    consumerGroup: config.queue.consumerGroup,
    deadLetterStream: config.queue.deadLetterStream,
  };
  const queue = new StreamQueue(client, reader, {
    ...names,
    consumer: config.consumerName,
    markerTtlSeconds: config.markerTtlSeconds,
  });
  const processor = new BatchProcessor(
    {
      maxDeliveries: config.queue.maxDeliveries,
      itemsPerBatch: config.concurrency.itemsPerBatch,
      consumer: config.consumerName,
      attempts: config.retry,
      skuOrder: config.queue.shards > 0,
    },
    {
      queue,
      markers: new MarkerStore(client, config.queue.stream, config.markerTtlSeconds),
      router,
      events,
    },
  );
  // The item's next retry as its own backoff would have spaced it (issue 12): with maxDelayMs itself,
  // one batch given back at the plans' 20 % failures added 2.5–5 s to a whole drain.
  const redeliveryBaseMs = Math.min(
    config.retry.maxDelayMs,
    config.retry.baseDelayMs * 2 ** Math.max(0, config.retry.maxAttempts - 1),
  );
  const loop = new ConsumerLoop(
    {
      batches: batches * BATCHES_IN_HAND_PER_SLOT,
      maxBatches: batches * BATCHES_HELD_PER_SLOT,
      waitingPerCallSlot: WAITING_PER_CALL_SLOT,
      readCount: config.queue.readCount,
      claimIdleMs: config.queue.claimIdleSeconds * 1000,
      redeliveryBaseMs,
      redeliveryJitter: config.retry.jitter,
    },
    { queue, processor, router, events },
  );

  // Warehouse shards (#13): shard leases and one batch at a time per shard instead of the shared group.
  const sharded =
    config.queue.shards > 0
      ? new ShardConsumer(
          {
            shards: config.queue.shards,
            ...names,
            consumer: config.consumerName,
            markerTtlSeconds: config.markerTtlSeconds,
            leaseTtlMs: shardLeaseTtlMs(config.queue.claimIdleSeconds, config.upstream.timeoutMs),
            callTimeoutMs: config.upstream.timeoutMs,
            redeliveryBaseMs,
            redeliveryJitter: config.retry.jitter,
            idleRecheckMs: SHARD_IDLE_RECHECK_MS,
          },
          { client, reader, processor, router, events },
        )
      : undefined;
  const consumer = sharded ?? loop;

  // #15: how busy this worker is and whether intake is paused, for the operator.
  const presence = new PresencePublisher(
    client,
    { stream: names.stream, consumerGroup: names.consumerGroup, worker: config.consumerName },
    { inFlight: () => consumer.inFlight, paused: () => intake.paused },
  );

  let started = false;
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
    ready: async () => {
      const reasons: string[] = [];
      if (consumer.stopping) reasons.push('shutting down');
      if (!redis.up || !(await ping()))
        reasons.push(`redis ${redisWhere} unavailable: ${redactUrl(redis.cause)}`);
      else if (!started) reasons.push('starting');
      if (router.outage)
        reasons.push(`no upstream can take calls (${JSON.stringify(router.breakerStates())})`);
      return reasons;
    },
  });

  // Sharded workers do not read the stream itself (#13): batches an unsharded producer still puts there
  // would wait for ever, so say so, once a minute, until they are gone (README: migration).
  let unshardedLoggedAt = 0;
  const warnUnshardedBacklog = (stats: QueueStats) => {
    const shardsUndone = (stats.shards ?? []).reduce((n, s) => n + (s.lag ?? 0) + s.pending, 0);
    const undone = (stats.lag ?? 0) + stats.pending - shardsUndone;
    if (undone <= 0 || Date.now() - unshardedLoggedAt < 60_000) return;
    unshardedLoggedAt = Date.now();
    logger.warn('unsharded_backlog', {
      stream: config.queue.stream,
      batches: undone,
      shards: config.queue.shards,
      hint: 'producers must put batches on the warehouse shard streams (inventorybot enqueue --shards); see README "Warehouse shards"',
    });
  };
  const refreshStats = async () => {
    const stats = await readQueueStats(client, { ...names, shards: config.queue.shards });
    if (sharded) warnUnshardedBacklog(stats);
    events.emit('queue-stats', stats);
  };
  const statsTimer = setInterval(() => {
    if (redis.up) refreshStats().catch(() => undefined);
  }, STATS_INTERVAL_MS);
  statsTimer.unref();

  const stopping = new AbortController();
  const startup = (async () => {
    await Promise.all([client.connect(), reader.connect()]);
    for (let failures = 0; !stopping.signal.aborted; failures++) {
      try {
        await queue.ensureGroup();
        const own = sharded ? [] : await queue.ownPending();
        if (stopping.signal.aborted) return;
        if (sharded) sharded.start();
        else loop.start(own);
        started = true;
        logger.info('bot_start', {
          version: WORKER_VERSION,
          consumer: config.consumerName,
          stream: config.queue.stream,
          shards: config.queue.shards,
          consumer_group: config.queue.consumerGroup,
          upstreams: endpoints.map((e) => e.name),
          concurrency: config.concurrency,
          metrics_port: serverPort(server),
          redeliveries: own.length,
        });
        return;
      } catch (error) {
        logger.error('bot_start_error', { error: (error as Error).message, attempt: failures + 1 });
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** failures, 10_000)));
      }
    }
  })();
  startup.catch((error: unknown) => logger.error('bot_start_error', { error: (error as Error).message }));

  return {
    metricsPort: serverPort(server),
    logger,
    started: startup.catch(() => undefined),
    async shutdown() {
      const t0 = performance.now();
      logger.info('bot_stopping', { grace_seconds: config.shutdownGraceSeconds });
      stopping.abort();
      const drained = started ? await consumer.stop(config.shutdownGraceSeconds * 1000) : true;
      clearInterval(statsTimer);
      await presence.close();
      intake.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await router.close().catch(() => undefined);
      await Promise.all(
        [client, reader].map((c) => (c.isOpen ? c.close().catch(() => c.destroy()) : c.destroy())),
      );
      logger.info('bot_stop', {
        drained,
        duration: Number(((performance.now() - t0) / 1000).toFixed(3)),
      });
      file?.close();
      return { drained };
    },
  };
}
