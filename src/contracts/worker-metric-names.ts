// Every metric the worker exports. Prometheus conventions: base units, `_total` counters, prefix
// `inventorybot_`. docs/metrics.md maps the monitoring plan's names onto these.

export const METRIC_PREFIX = 'inventorybot_';

export const METRICS = {
  batchesTotal: 'inventorybot_batches_total',
  itemsTotal: 'inventorybot_items_total',
  batchDurationSeconds: 'inventorybot_batch_duration_seconds',
  retriesTotal: 'inventorybot_retries_total',
  errorsTotal: 'inventorybot_errors_total',
  deadLettersTotal: 'inventorybot_dead_letters_total',
  batchesReclaimedTotal: 'inventorybot_batches_reclaimed_total',
  circuitBreakerState: 'inventorybot_circuit_breaker_state',
  consecutiveFailedBatches: 'inventorybot_consecutive_failed_batches',
  upstreamRequestsTotal: 'inventorybot_upstream_requests_total',
  upstreamRequestDurationSeconds: 'inventorybot_upstream_request_duration_seconds',
  queueLength: 'inventorybot_queue_length',
  queueLag: 'inventorybot_queue_lag',
  queuePending: 'inventorybot_queue_pending',
  queueOldestPendingSeconds: 'inventorybot_queue_oldest_pending_seconds',
  deadLetterStreamLength: 'inventorybot_dead_letter_stream_length',
  // Warehouse shards (#13): per shard stream, label `shard`; and the shards this worker owns.
  shardLag: 'inventorybot_shard_lag',
  shardPending: 'inventorybot_shard_pending',
  shardOldestPendingSeconds: 'inventorybot_shard_oldest_pending_seconds',
  shardsOwned: 'inventorybot_shards_owned',
  batchesInFlight: 'inventorybot_batches_in_flight',
  itemsInFlight: 'inventorybot_items_in_flight',
  upstreamConcurrencyLimit: 'inventorybot_upstream_concurrency_limit',
  intakePaused: 'inventorybot_intake_paused',
  redisUp: 'inventorybot_redis_up',
  info: 'inventorybot_worker_info',
} as const;

// prom-client's default process metrics, registered by the worker with METRIC_PREFIX.
export const PROCESS_METRICS = {
  cpuSecondsTotal: `${METRIC_PREFIX}process_cpu_seconds_total`,
  residentMemoryBytes: `${METRIC_PREFIX}process_resident_memory_bytes`,
  heapUsedBytes: `${METRIC_PREFIX}nodejs_heap_size_used_bytes`,
} as const;

/** Label values of inventorybot_batches_total{outcome}. */
export const BATCH_OUTCOMES = ['success', 'partial', 'failed', 'dead_lettered', 'invalid'] as const;
export type BatchOutcome = (typeof BATCH_OUTCOMES)[number];

/** Label values of inventorybot_items_total{outcome}. */
export const ITEM_OUTCOMES = ['applied', 'deduplicated', 'dead_lettered', 'failed'] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];

/** Item outcomes that count as errors in every error rate (alerts, dashboard, ROI, log alerts: #17). */
export const ITEM_ERROR_OUTCOMES = ['failed', 'dead_lettered'] as const satisfies readonly ItemOutcome[];
/** Batch outcomes that count as failed batches. */
export const BATCH_ERROR_OUTCOMES = [
  'failed',
  'dead_lettered',
  'invalid',
] as const satisfies readonly BatchOutcome[];

/** A PromQL label matcher for a set of outcomes, e.g. `outcome=~"failed|dead_lettered"`. */
export const outcomeMatcher = (outcomes: readonly string[]): string => `outcome=~"${outcomes.join('|')}"`;

/** Values of inventorybot_circuit_breaker_state{upstream}. */
export const CIRCUIT_STATE_VALUES = { closed: 0, open: 1, half_open: 2 } as const;

/** Fine around 50 ms–1 s so that p95/p99 against the 0.3 s / 0.5 s SLOs are meaningful. */
export const BATCH_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2.5, 5, 10,
  30,
];
export const UPSTREAM_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
