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

/** status.queue from the stats; whole seconds for the pending age so a status is not rewritten each second. */
export function queueStatus(stats: QueueStats): QueueStatus {
  return {
    length: stats.length,
    ...(stats.lag === undefined ? {} : { lag: stats.lag }),
    pending: stats.pending,
    deadLetters: stats.deadLetters,
    oldestPendingSeconds: Math.floor(stats.oldestPendingSeconds),
  };
}
