// What the queue figures mean to the autoscaler and to status.queue.
//
// The HPA target is "batches of work outstanding": the consumer group's lag (entries not yet delivered
// to any worker, XINFO GROUPS `lag`) PLUS its pending entries (delivered, not yet acknowledged). Lag
// alone would drop as soon as workers fetch a read-ahead batch (readCount per XREADGROUP), so the HPA
// would scale in while the work is still in workers' hands; lag + pending does not move when a batch
// changes hands, only when it is done (acknowledged, or dead-lettered). Without a consumer group yet
// (no worker ever started) every entry of the stream is outstanding.
import type { InventoryBotStatus } from '../../api/inventory-bot.ts';
import type { QueueStats } from '../../contracts/queue-stats.ts';
import { batchesLeft, drainSeconds, roughly, shortDuration } from '../scaling/backlog-figures.ts';

export type QueueStatus = NonNullable<InventoryBotStatus['queue']>;

export class LagUnknownError extends Error {}

/** lag + pending; throws LagUnknownError when Redis cannot tell the lag (entries deleted mid-stream). */
export function outstandingBatches(stats: QueueStats): number {
  if (stats.lag === undefined) {
    throw new LagUnknownError(
      'Redis reports no lag for the consumer group (entries were deleted from the stream after its last delivered id)',
    );
  }
  return stats.lag + stats.pending;
}

/**
 * status.queue from the stats and the throughput over the window (#15); whole seconds for the pending
 * age and two significant digits for the rate, so a status is not rewritten for every tick.
 */
export function queueStatus(stats: QueueStats, ratePerSecond?: number): QueueStatus {
  const outstanding = stats.lag === undefined ? undefined : stats.lag + stats.pending;
  // The ETA counts the batches in workers' hands as half done; outstanding (the HPA's figure) counts them whole.
  const drain =
    stats.lag === undefined ? undefined : drainSeconds(batchesLeft(stats.lag, stats.pending), ratePerSecond);
  return {
    length: stats.length,
    ...(stats.lag === undefined ? {} : { lag: stats.lag }),
    pending: stats.pending,
    deadLetters: stats.deadLetters,
    oldestPendingSeconds: Math.floor(stats.oldestPendingSeconds),
    ...(outstanding === undefined ? {} : { outstanding }),
    ...(ratePerSecond === undefined ? {} : { throughputPerSecond: roughly(ratePerSecond) }),
    ...(drain === undefined ? {} : { drainSeconds: drain }),
    ...(outstanding === undefined ? {} : { eta: drain === undefined ? 'unknown' : shortDuration(drain) }),
  };
}
