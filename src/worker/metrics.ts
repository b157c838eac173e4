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

/**
 * Figures of the hot path kept as plain numbers and handed to prom-client when it is scraped (#12): a
 * prom-client update hashes its labels and validates them on every call, and these moved 2–3 times per
 * item. The exposition is the same: the gauge reads the count, the counter adds what was counted since.
 */
export class HotPathCounts {
  itemsInFlight = 0;
  /** Upstream calls not yet added to the counter, by upstream then result. */
  readonly #calls = new Map<string, Map<string, CallCount>>();
  /** The same entries in the order their label sets first occurred: the order prom-client lists them. */
  readonly #callsInOrder: CallCount[] = [];

  upstreamCall(upstream: string, result: string): void {
    let byResult = this.#calls.get(upstream);
    if (byResult === undefined) this.#calls.set(upstream, (byResult = new Map()));
    const entry = byResult.get(result);
    if (entry !== undefined) {
      entry.n++;
      return;
    }
    const added = { labels: { upstream, result }, n: 1 };
    byResult.set(result, added);
    this.#callsInOrder.push(added);
  }

  /** Adds the calls counted since the last time to `counter`, each label set once. */
  flushCalls(counter: Counter<'upstream' | 'result'>): void {
    for (const entry of this.#callsInOrder) {
      if (entry.n === 0) continue;
      counter.inc(entry.labels, entry.n);
      entry.n = 0;
    }
  }
}

interface CallCount {
  readonly labels: { upstream: string; result: string };
  n: number;
}

export function createWorkerMetrics(labels: { version: string; consumer: string }) {
  const registry = new Registry();
  const hot = new HotPathCounts();
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
    hot,
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
      collect() {
        hot.flushCalls(this);
      },
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
      collect() {
        this.set(hot.itemsInFlight);
      },
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
