// One Redis client per distinct URL, shared by the metrics server and the status reader. Every use is
// bounded: a client that is not connected fails at once (no offline queue) after its first connect
// attempt, commands time out, and clients unused for a while are closed (bots come and go).
import { createClient } from '@redis/client';
import type { RedisClient } from '../../contracts/redis-connection.ts';
import type { Logger } from '../../contracts/logger.ts';
import { redact } from '../../contracts/redaction.ts';

export interface RedisPoolOptions {
  logger: Logger;
  /** Connect and per-command timeout. */
  timeoutMs?: number;
  /** Close a client unused this long. */
  idleMs?: number;
}

export class RedisUnavailableError extends Error {}

interface Entry {
  client: RedisClient;
  /** Settles when the first connect attempt does (connected or failed). */
  firstAttempt: Promise<void>;
  lastUsed: number;
  lastError: string | undefined;
}

export class RedisPool {
  private readonly entries = new Map<string, Entry>();
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly logger: Logger;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: RedisPoolOptions) {
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.sweeper = setInterval(() => this.sweep(), Math.min(this.idleMs, 60_000));
    this.sweeper.unref();
  }

  /**
   * Runs `use` with the client for `url`, within the timeout. Throws RedisUnavailableError (with a
   * message naming the redacted URL) when Redis cannot be reached or does not answer in time.
   */
  async with<T>(
    url: string,
    use: (client: RedisClient) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const entry = this.entry(url);
    entry.lastUsed = Date.now();
    const where = redact(url);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError(`Redis at ${where} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        (async () => {
          await entry.firstAttempt;
          if (!entry.client.isReady) {
            throw new RedisUnavailableError(
              `Redis at ${where} is unreachable${entry.lastError ? `: ${entry.lastError}` : ''}`,
            );
          }
          try {
            return await use(entry.client);
          } catch (error) {
            throw new RedisUnavailableError(`Redis at ${where} failed: ${(error as Error).message}`);
          }
        })(),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => closeQuietly(e.client)));
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(url: string): Entry {
    const existing = this.entries.get(url);
    if (existing) return existing;
    const client = createClient({
      url,
      name: 'inventorybot-operator',
      disableOfflineQueue: true,
      commandOptions: { timeout: this.timeoutMs },
      socket: {
        connectTimeout: this.timeoutMs,
        // Keep trying in the background, slowly: requests meanwhile fail fast instead of waiting.
        reconnectStrategy: (retries: number) => Math.min(250 * 2 ** retries, 10_000),
      },
    }) as unknown as RedisClient;
    const entry: Entry = {
      client,
      firstAttempt: Promise.resolve(),
      lastUsed: Date.now(),
      lastError: undefined,
    };
    client.on('error', (error: Error) => {
      entry.lastError = error.message || error.name;
      this.logger.debug('redis client error', { redis: redact(url), error: entry.lastError });
    });
    client.on('ready', () => {
      entry.lastError = undefined;
    });
    entry.firstAttempt = new Promise<void>((resolve) => {
      client.once('ready', () => resolve());
      client.once('error', () => resolve());
      client.connect().catch(() => resolve());
    });
    this.entries.set(url, entry);
    return entry;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [url, entry] of this.entries) {
      if (entry.lastUsed < cutoff) {
        this.entries.delete(url);
        void closeQuietly(entry.client);
      }
    }
  }
}

async function closeQuietly(client: RedisClient): Promise<void> {
  try {
    if (client.isOpen) await client.close();
    else client.destroy();
  } catch {
    client.destroy();
  }
}
