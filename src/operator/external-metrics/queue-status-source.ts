// status.queue for the reconciler: the same reader as the metrics server, but best effort and
// bounded: a bot whose Redis does not answer in time gets no figures this round, only the reason (the
// reconcile goes on, and holds replicas: #15). Figures are cached long enough that the reconcile
// triggered by our own status write finds the same ones (no write loop while oldestPendingSeconds
// ticks). Each fresh read is a throughput sample (#15).
import type { InventoryBot } from '../../api/inventory-bot.ts';
import type { Logger } from '../../contracts/logger.ts';
import type { WorkerPresence } from '../../contracts/worker-presence.ts';
import { doneCount, ThroughputWindow } from '../scaling/throughput-window.ts';
import { queueStatus, type QueueStatus } from './queue-figures.ts';
import type { QueueReader, QueueReading } from './queue-reader.ts';

export interface QueueStatusSourceOptions {
  reader: Pick<QueueReader, 'read'>;
  logger: Logger;
  /** Bound on the whole read, Secret lookup included. */
  timeoutMs?: number;
  maxAgeMs?: number;
}

/** One read of a bot's queue: the figures, or why there are none. */
export interface QueueObservation {
  status?: QueueStatus;
  /** Fresh presence records of the bot's workers. */
  workers?: WorkerPresence[];
  /** Why the queue could not be read this time. */
  error?: string;
}

/** `maxAgeMs`: how old a cached reading may be this time (a sleeping bot wants a fresh one: #15). */
export type QueueStatusSource = (bot: InventoryBot, maxAgeMs?: number) => Promise<QueueObservation>;

export function queueStatusSource(options: QueueStatusSourceOptions): QueueStatusSource {
  const timeoutMs = options.timeoutMs ?? 1000;
  const maxAgeMs = options.maxAgeMs ?? 15_000;
  const window = new ThroughputWindow();
  const sampled = new WeakSet<QueueReading>();
  return async (bot, maxAgeThisTime) => {
    const { namespace, name } = bot.metadata;
    const key = `${namespace}/${name}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const stats = await Promise.race([
        options.reader.read({ namespace, name, spec: bot.spec }, maxAgeThisTime ?? maxAgeMs, timeoutMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      // A cached reading is the same object: sample each reading once.
      const done = doneCount(stats);
      let rate = window.rate(key);
      if (!sampled.has(stats) && done !== undefined) {
        sampled.add(stats);
        rate = window.add(key, {
          atMs: stats.readAtMs,
          done,
          ...(stats.lag === undefined ? {} : { outstanding: stats.lag + stats.pending }),
        });
      }
      const status = queueStatus(stats, rate);
      // The ETA counts from the read, not from the status write (#15). Only while a drain is shown: an
      // idle bot's status is not rewritten for every read (0 writes on resync, #14).
      if ((status.drainSeconds ?? 0) > 0) status.readTime = new Date(stats.readAtMs).toISOString();
      return { status, workers: stats.workers };
    } catch (error) {
      const message = (error as Error).message;
      options.logger.debug('queue figures not read', { bot: key, error: message });
      return { error: message };
    } finally {
      clearTimeout(timer);
    }
  };
}
