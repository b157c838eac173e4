// The worker's Prometheus metrics on a registry of its own, plus prom-client's process metrics.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  BATCH_DURATION_BUCKETS,
  BATCH_OUTCOMES,
  ITEM_OUTCOMES,
  METRIC_PREFIX,
  METRICS,
  UPSTREAM_DURATION_BUCKETS,
} from '../contracts/worker-metric-names.ts';

export function createWorkerMetrics(labels: { version: string; consumer: string }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];

  const batches = new Counter({
    name: METRICS.batchesTotal,
    help: 'Batches handled, by outcome: success, partial (some items dead-lettered), failed (left for redelivery), dead_lettered, invalid.',
    labelNames: ['outcome'],
    registers,
  });
  const items = new Counter({
    name: METRICS.itemsTotal,
    help: 'Items handled, by outcome: applied, deduplicated (already applied), dead_lettered, failed.',
    labelNames: ['outcome'],
    registers,
  });
  // Zero-initialise the label sets so rate() and absent() work from the first scrape.
  for (const outcome of BATCH_OUTCOMES) batches.inc({ outcome }, 0);
  for (const outcome of ITEM_OUTCOMES) items.inc({ outcome }, 0);

  new Gauge({
    name: METRICS.info,
    help: 'Worker build and identity; always 1.',
    labelNames: ['version', 'consumer'],
    registers,
  }).set(labels, 1);

  return {
    registry,
    batches,
    items,
    batchDuration: new Histogram({
      name: METRICS.batchDurationSeconds,
      help: 'Time from picking a batch up to acknowledging or giving it back, in seconds.',
      labelNames: ['outcome'],
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    }),
    retries: new Counter({
      name: METRICS.retriesTotal,
      help: 'Upstream calls retried after a transient error.',
      registers,
    }),
    errors: new Counter({
      name: METRICS.errorsTotal,
      help: 'Errors by error_code (each failed upstream attempt, dead-lettered message, Redis error).',
      labelNames: ['error_code'],
      registers,
    }),
    deadLetters: new Counter({
      name: METRICS.deadLettersTotal,
      help: 'Entries written to the dead-letter stream, by error_code.',
      labelNames: ['error_code'],
      registers,
    }),
    reclaimed: new Counter({
      name: METRICS.batchesReclaimedTotal,
      help: 'Pending batches reclaimed from idle consumers with XAUTOCLAIM.',
      registers,
    }),
    circuitState: new Gauge({
      name: METRICS.circuitBreakerState,
      help: 'Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open.',
      labelNames: ['upstream'],
      registers,
    }),
    consecutiveFailedBatches: new Gauge({
      name: METRICS.consecutiveFailedBatches,
      help: 'Batches failed or dead-lettered in a row by this worker (reset by a successful batch).',
      registers,
    }),
    upstreamRequests: new Counter({
      name: METRICS.upstreamRequestsTotal,
      help: 'Upstream HTTP calls by upstream and result (ok or error_code).',
      labelNames: ['upstream', 'result'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: METRICS.upstreamRequestDurationSeconds,
      help: 'Upstream HTTP call duration, in seconds.',
      labelNames: ['upstream'],
      buckets: UPSTREAM_DURATION_BUCKETS,
      registers,
    }),
    queueLength: new Gauge({ name: METRICS.queueLength, help: 'Entries in the stream.', registers }),
    queueLag: new Gauge({
      name: METRICS.queueLag,
      help: 'Entries not yet delivered to the consumer group.',
      registers,
    }),
    queuePending: new Gauge({
      name: METRICS.queuePending,
      help: 'Delivered entries not yet acknowledged.',
      registers,
    }),
    queueOldestPending: new Gauge({
      name: METRICS.queueOldestPendingSeconds,
      help: 'Age of the oldest pending entry, in seconds (0 when none).',
      registers,
    }),
    deadLetterLength: new Gauge({
      name: METRICS.deadLetterStreamLength,
      help: 'Entries in the dead-letter stream.',
      registers,
    }),
    shardLag: new Gauge({
      name: METRICS.shardLag,
      help: 'Warehouse shards (#13): entries of the shard stream not yet delivered.',
      labelNames: ['shard'],
      registers,
    }),
    shardPending: new Gauge({
      name: METRICS.shardPending,
      help: 'Warehouse shards (#13): delivered entries of the shard stream not yet acknowledged.',
      labelNames: ['shard'],
      registers,
    }),
    shardOldestPending: new Gauge({
      name: METRICS.shardOldestPendingSeconds,
      help: 'Warehouse shards (#13): age of the oldest pending entry of the shard stream (the batch its owner is on: how far behind enqueue the shard runs), in seconds.',
      labelNames: ['shard'],
      registers,
    }),
    shardsOwned: new Gauge({
      name: METRICS.shardsOwned,
      help: 'Warehouse shards (#13): shards this worker holds the lease of.',
      registers,
    }),
    batchesInFlight: new Gauge({
      name: METRICS.batchesInFlight,
      help: 'Batches being processed.',
      registers,
    }),
    intakePaused: new Gauge({
      name: METRICS.intakePaused,
      help: '1 while no upstream can take calls (every breaker open): the worker takes no new batches.',
      registers,
    }),
    redisUp: new Gauge({
      name: METRICS.redisUp,
      help: '1 while the worker is connected to Redis.',
      registers,
    }),
    itemsInFlight: new Gauge({
      name: METRICS.itemsInFlight,
      help: 'Items being applied upstream.',
      registers,
    }),
    upstreamConcurrencyLimit: new Gauge({
      name: METRICS.upstreamConcurrencyLimit,
      help: 'Adaptive limit of calls in flight per upstream (issue 12): grows while latency and errors stay low, cut on latency growth, 429s, timeouts and error spikes.',
      labelNames: ['upstream'],
      registers,
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
