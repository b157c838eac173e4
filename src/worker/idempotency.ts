// Per-item "applied" markers in Redis, holding a content fingerprint (content-fingerprint.ts): read
// before applying; written with the ack or the give-back of the delivery that applied the items, in the
// same round trip (issue 12: no SET per item). A crash between the upstream's success and that write
// loses only markers: the redelivery is deduplicated by the upstream's Idempotency-Key.
import type { RedisClient } from '../contracts/redis-connection.ts';

export function markerKey(stream: string, itemKey: string): string {
  return `${stream}:applied:${itemKey}`;
}

export interface MarkerWrite {
  key: string;
  value: string;
}

export class MarkerStore {
  readonly #client: RedisClient;
  readonly #stream: string;
  readonly ttlSeconds: number;

  constructor(client: RedisClient, stream: string, ttlSeconds: number) {
    this.#client = client;
    this.#stream = stream;
    this.ttlSeconds = ttlSeconds;
  }

  /** The stored marker value per key (null: not applied). */
  async read(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return (await this.#client.mGet(keys.map((k) => markerKey(this.#stream, k)))) as (string | null)[];
  }

  redisKey(itemKey: string): string {
    return markerKey(this.#stream, itemKey);
  }
}
