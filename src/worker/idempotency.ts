// Per-item "applied" markers in Redis: checked before applying, set (NX, with a TTL) after success.
import type { RedisClient } from './redis-connection.ts';

export function markerKey(stream: string, itemKey: string): string {
  return `${stream}:applied:${itemKey}`;
}

export class MarkerStore {
  readonly #client: RedisClient;
  readonly #stream: string;
  readonly #ttlSeconds: number;

  constructor(client: RedisClient, stream: string, ttlSeconds: number) {
    this.#client = client;
    this.#stream = stream;
    this.#ttlSeconds = ttlSeconds;
  }

  /** The subset of keys already applied. */
  async applied(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const values = await this.#client.mGet(keys.map((k) => markerKey(this.#stream, k)));
    return new Set(keys.filter((_, i) => values[i] !== null));
  }

  async markApplied(key: string): Promise<void> {
    await this.#client.set(markerKey(this.#stream, key), String(Date.now()), {
      NX: true,
      EX: this.#ttlSeconds,
    });
  }
}
