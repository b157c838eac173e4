// The worker's Prometheus metrics, fed by the worker events (#16): the same counters and gauges, moved
// by the same figures, as when the core updated them itself. Which errors count where is decided here:
// upstream errors once per call (`upstream-call`), and among batch ends only those that never reached
// an upstream (invalid, dead-lettered whole, or ended by an exception).
import { nextFailureRun } from '../contracts/failure-run.ts';
import { CIRCUIT_STATE_VALUES, type ItemOutcome } from '../contracts/worker-metric-names.ts';
import type { Report } from './batch-processor.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { StreamEntry } from './stream-queue.ts';
import type { ItemCounts, WorkerEvents } from './worker-events.ts';

export function subscribeMetrics(
  events: WorkerEvents,
  metrics: WorkerMetrics,
  /** The upstreams, whose breaker gauge starts at closed. */
  upstreams: readonly string[],
): void {
  // What the worker reports before anything happened.
  metrics.intakePaused.set(0);
  metrics.redisUp.set(0);
  for (const upstream of upstreams) metrics.circuitState.set({ upstream }, 0);

  // One histogram child per upstream: no labels object and observer closure per call (#12). Writing into
  // prom-client's own record instead (skipping observe()'s label checks) was tried: ~1 % of a drain's CPU,
  // not worth depending on the library's private state.
  const durations = new Map<string, { observe(seconds: number): void }>();
  const durationOf = (upstream: string) => {
    let child = durations.get(upstream);
    if (child === undefined) durations.set(upstream, (child = metrics.upstreamDuration.labels({ upstream })));
    return child;
  };

  let failureRun = 0;
  const batchEnded = (report: Report, _entry: StreamEntry, seconds: number, items: ItemCounts) => {
    // One update per item outcome, not per item (#12).
    for (const outcome in items) {
      metrics.items.inc({ outcome }, items[outcome as ItemOutcome] as number);
    }
    metrics.batches.inc({ outcome: report.outcome });
    metrics.batchDuration.observe({ outcome: report.outcome }, seconds);
    // Upstream errors are counted per call (`upstream-call`); these never reach the upstream.
    if (
      report.errorCode &&
      (report.raised || report.outcome === 'invalid' || report.outcome === 'dead_lettered')
    ) {
      metrics.errors.inc({ error_code: report.errorCode });
    }
    failureRun = nextFailureRun(failureRun, report.outcome);
    metrics.consecutiveFailedBatches.set(failureRun);
  };

  events
    .on('completed', batchEnded)
    .on('batch-failed', batchEnded)
    .on('dead-lettered', (code) => metrics.deadLetters.inc({ error_code: code }))
    .on('retried', () => metrics.retries.inc())
    // Plain numbers, read when scraped (#12: two prom-client updates per item before).
    .on('item-running', (running) => {
      metrics.hot.itemsInFlight += running ? 1 : -1;
    })
    .on('batches-in-flight', (count) => metrics.batchesInFlight.set(count))
    .on('reclaimed', () => metrics.reclaimed.inc())
    .on('intake-paused', (_since, _upstreams, first) => {
      if (first) metrics.intakePaused.set(1);
    })
    .on('intake-resumed', () => metrics.intakePaused.set(0))
    .on('upstream-call', (upstream, result, seconds) => {
      metrics.hot.upstreamCall(upstream, result);
      durationOf(upstream).observe(seconds);
      if (result !== 'ok') metrics.errors.inc({ error_code: result });
    })
    .on('breaker-changed', (upstream, state) =>
      metrics.circuitState.set({ upstream }, CIRCUIT_STATE_VALUES[state]),
    )
    .on('limit-changed', (upstream, limit) => metrics.upstreamConcurrencyLimit.set({ upstream }, limit))
    .on('redis-down', () => metrics.redisUp.set(0))
    .on('redis-up', () => metrics.redisUp.set(1))
    .on('queue-stats', (stats) => {
      (stats.shards ?? []).forEach((figures, shard) => {
        const labels = { shard: String(shard) };
        if (figures.lag !== undefined) metrics.shardLag.set(labels, figures.lag);
        metrics.shardPending.set(labels, figures.pending);
        metrics.shardOldestPending.set(labels, figures.oldestPendingSeconds);
      });
      metrics.queueLength.set(stats.length);
      if (stats.lag !== undefined) metrics.queueLag.set(stats.lag);
      metrics.queuePending.set(stats.pending);
      metrics.queueOldestPending.set(stats.oldestPendingSeconds);
      metrics.deadLetterLength.set(stats.deadLetters);
    })
    .on('shards-owned', (count) => metrics.shardsOwned.set(count));
}
