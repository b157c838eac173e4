// The worker's log lines, written from the worker events (#16): the same events and fields, in the same
// order, as when the core logged them itself (tests and the log alerts read them). Log policy lives
// here too: `redis_unavailable` at most every 10 s, `redis_reconnected` only after one was written.
import type { LogFields, Logger } from '../contracts/logger.ts';
import type { BreakerState } from './circuit-breaker.ts';
import type { Report } from './batch-processor.ts';
import type { StreamEntry } from './stream-queue.ts';
import type { ItemCounts, WorkerEvents } from './worker-events.ts';

const REDIS_LOG_REPEAT_MS = 10_000;

const BREAKER_LOG_STATE: Record<BreakerState, string> = {
  closed: 'Closed',
  open: 'Open',
  half_open: 'HalfOpen',
};

const INTAKE_PAUSED_REASON =
  'no upstream can take calls (every circuit breaker is open); batches in hand wait, none are taken';

/** The batch's one line: batch_complete (acknowledged) or batch_error. Built without spreads (#12). */
function batchFields(report: Report, entry: StreamEntry, seconds: number, items: ItemCounts): LogFields {
  const fields: LogFields = {
    batch_id: report.batch?.batchId ?? null,
    warehouse: report.batch?.warehouse ?? null,
    items: report.batch?.items.length ?? 0,
    duration: Number(seconds.toFixed(4)),
    outcome: report.outcome,
  };
  if (report.errorCode) fields.error_code = report.errorCode;
  fields.attempts = entry.deliveries;
  fields.retries = report.retries ?? 0;
  fields.item_outcomes = items;
  fields.stream_id = entry.id;
  if (report.error) fields.error = report.error;
  return fields;
}

export function subscribeLogs(events: WorkerEvents, logger: Logger): void {
  const redis = { loggedAt: 0 };
  events
    .on('completed', (report, entry, seconds, items) =>
      logger.info('batch_complete', batchFields(report, entry, seconds, items)),
    )
    .on('batch-failed', (report, entry, seconds, items) =>
      logger.warn('batch_error', batchFields(report, entry, seconds, items)),
    )
    .on('reclaimed', (streamId, deliveries) =>
      logger.info('batch_reclaimed', { stream_id: streamId, attempts: deliveries }),
    )
    .on('consumers-removed', (consumers) => logger.info('consumers_removed', { consumers }))
    .on('loop-error', (loop, error) => logger.warn(`${loop}_error`, { error: error.message }))
    .on('intake-paused', (since, upstreams) =>
      logger.warn('intake_paused', {
        reason: INTAKE_PAUSED_REASON,
        since: new Date(since).toISOString(),
        upstreams,
      }),
    )
    .on('intake-resumed', (pausedSeconds, upstreams) =>
      logger.info('intake_resumed', { paused_seconds: Number(pausedSeconds.toFixed(3)), upstreams }),
    )
    .on('breaker-changed', (upstream, state, previous) =>
      logger.warn('circuit_state', {
        upstream,
        state: BREAKER_LOG_STATE[state],
        previous: BREAKER_LOG_STATE[previous],
      }),
    )
    .on('serving-changed', (from, to, direction, upstreams) =>
      logger.warn(`upstream_${direction}`, { from, to, upstreams }),
    )
    .on('redis-down', (where, error, since, at) => {
      if (at - redis.loggedAt < REDIS_LOG_REPEAT_MS) return;
      redis.loggedAt = at;
      logger.warn('redis_unavailable', {
        redis: where,
        error: error.message,
        down_seconds: Math.round((at - since) / 1000),
      });
    })
    .on('redis-up', (where, wasDown) => {
      if (wasDown && redis.loggedAt > 0) logger.info('redis_reconnected', { redis: where });
      redis.loggedAt = 0;
    })
    .on('shard-membership-error', (error, failures) =>
      logger.warn('shard_membership_error', { error: error.message, failures }),
    )
    .on('shards-rebalancing', (liveWorkers, held, releasing) =>
      logger.info('shards_rebalancing', { live_workers: liveWorkers, held, releasing }),
    )
    .on('shard-acquired', (shard, token) => logger.info('shard_acquired', { shard, token }))
    .on('shard-lost', (shard, token, why) => logger.warn('shard_lost', { shard, token, why }))
    .on('shard-error', (shard, error) => logger.warn('shard_error', { shard, error: error.message }))
    .on('shard-released', (shard, token, reason) => logger.info('shard_released', { shard, token, reason }));
}
