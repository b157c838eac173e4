// Reads a bot's queue figures from its Redis (spec.queue.redis.url, or the Secret it references),
// through the shared client pool, with a short per-bot cache: the HPA and the reconciler ask often,
// and a status write (which triggers a reconcile) must find the same figures, not fresher ones.
import type { V1Secret } from '@kubernetes/client-node';
import type { InventoryBotSpec } from '../../api/inventory-bot.ts';
import { readQueueStats, type QueueStats } from '../../contracts/queue-stats.ts';
import { readPresence, type WorkerPresence } from '../../contracts/worker-presence.ts';
import { isNotFound } from '../errors.ts';
import { RedisPool } from './redis-pool.ts';

export class RedisUrlError extends Error {}

export interface QueueReaderOptions {
  pool: RedisPool;
  readSecret(namespace: string, name: string): Promise<V1Secret>;
  now?: () => number;
}

/**
 * The queue figures plus what the workers say about themselves (#15), and when they were read (on this
 * process's clock): a throughput sample is stamped with the read, not with when a cached reading was
 * used, or a reading up to maxAgeMs old counts as newer and the rate comes out low (ETA 24 % long, #15).
 */
export type QueueReading = QueueStats & { workers: WorkerPresence[]; readAtMs: number };

interface Cached {
  at: number;
  key: string;
  stats: QueueReading;
}

export class QueueReader {
  private readonly options: QueueReaderOptions;
  private readonly cache = new Map<string, Cached>();

  constructor(options: QueueReaderOptions) {
    this.options = options;
  }

  /** The Redis URL of a bot; RedisUrlError when its Secret or key is missing. */
  async redisUrl(namespace: string, spec: InventoryBotSpec): Promise<string> {
    const { url, secretRef } = spec.queue.redis;
    if (url) return url;
    if (!secretRef) throw new RedisUrlError('spec.queue.redis has neither url nor secretRef');
    let secret: V1Secret;
    try {
      secret = await this.options.readSecret(namespace, secretRef.name);
    } catch (error) {
      if (isNotFound(error)) throw new RedisUrlError(`Secret ${namespace}/${secretRef.name} does not exist`);
      throw error;
    }
    const encoded = secret.data?.[secretRef.key];
    const value =
      encoded !== undefined
        ? Buffer.from(encoded, 'base64').toString('utf8')
        : secret.stringData?.[secretRef.key];
    if (!value)
      throw new RedisUrlError(`Secret ${namespace}/${secretRef.name} has no key "${secretRef.key}"`);
    return value.trim();
  }

  /**
   * Queue figures of a bot, at most `maxAgeMs` old. Throws RedisUrlError or RedisUnavailableError;
   * never takes longer than the pool's timeout (plus a Secret read when the URL is in a Secret).
   */
  async read(
    bot: { namespace: string; name: string; spec: InventoryBotSpec },
    maxAgeMs: number,
    timeoutMs?: number,
  ): Promise<QueueReading> {
    const { queue } = bot.spec;
    const url = await this.redisUrl(bot.namespace, bot.spec);
    const botKey = `${bot.namespace}/${bot.name}`;
    // The figures depend on where and what is read: a spec change invalidates them.
    const key = JSON.stringify([
      url,
      queue.stream,
      queue.consumerGroup,
      queue.deadLetterStream,
      queue.shards,
    ]);
    const now = this.options.now ?? Date.now;
    const cached = this.cache.get(botKey);
    if (cached && cached.key === key && now() - cached.at <= maxAgeMs) return cached.stats;
    const stats = await this.options.pool.with(
      url,
      async (client) => {
        const names = {
          stream: queue.stream,
          consumerGroup: queue.consumerGroup,
          deadLetterStream: queue.deadLetterStream,
          // Summed over the warehouse shards (#13): the HPA's queue lag is the whole backlog.
          shards: queue.shards,
        };
        const [figures, workers] = await Promise.all([
          readQueueStats(client, names),
          readPresence(client, names),
        ]);
        return { ...figures, workers, readAtMs: now() };
      },
      timeoutMs,
    );
    this.cache.set(botKey, { at: stats.readAtMs, key, stats });
    return stats;
  }

  forget(namespace: string, name: string): void {
    this.cache.delete(`${namespace}/${name}`);
  }
}
