// status.queue for the reconciler: the same reader as the metrics server, but best effort and
// bounded: a bot whose Redis does not answer in time gets no figures this round (debug log), and the
// reconcile goes on. Figures are cached long enough that the reconcile triggered by our own status
// write finds the same ones (no write loop while oldestPendingSeconds ticks).
import type { InventoryBot } from '../../api/inventory-bot.ts';
import type { Logger } from '../../contracts/logger.ts';
import { queueStatus, type QueueStatus } from './queue-figures.ts';
import type { QueueReader } from './queue-reader.ts';

export interface QueueStatusSourceOptions {
  reader: QueueReader;
  logger: Logger;
  /** Bound on the whole read, Secret lookup included. */
  timeoutMs?: number;
  maxAgeMs?: number;
}

export type QueueStatusSource = (bot: InventoryBot) => Promise<QueueStatus | undefined>;

export function queueStatusSource(options: QueueStatusSourceOptions): QueueStatusSource {
  const timeoutMs = options.timeoutMs ?? 1000;
  const maxAgeMs = options.maxAgeMs ?? 15_000;
  return async (bot) => {
    const { namespace, name } = bot.metadata;
    let timer: NodeJS.Timeout | undefined;
    try {
      const stats = await Promise.race([
        options.reader.read({ namespace, name, spec: bot.spec }, maxAgeMs, timeoutMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return queueStatus(stats);
    } catch (error) {
      options.logger.debug('queue figures not read', {
        bot: `${namespace}/${name}`,
        error: (error as Error).message,
      });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
}
