// Warehouse shards (issue 13): the message contract every producer follows when spec.queue.shards > 0.
// A batch goes to the shard stream of its warehouse, `<stream>:shard-<n>` with n = fnv1a32(UTF-8 of the
// warehouse) mod shards; the same consumer group name is used on every shard stream. One stable hash,
// written once: the CLI, the worker and other producers (see README "Warehouse shards") must agree.
// Also the Redis keys of shard ownership (leases with fencing tokens, live-worker registry).

/** The largest shard count the spec accepts. */
export const MAX_SHARDS = 1024;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-8 bytes of `text`, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The shard (0 … shards-1) of a warehouse. */
export function shardOf(warehouse: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be >= 1, got ${shards}`);
  return fnv1a32(warehouse) % shards;
}

export function shardStream(stream: string, shard: number): string {
  return `${stream}:shard-${shard}`;
}

/** Every shard stream of a queue, in shard order. */
export function shardStreams(stream: string, shards: number): string[] {
  return Array.from({ length: shards }, (_, shard) => shardStream(stream, shard));
}

/** Where a producer puts a batch of `warehouse`: the stream itself when sharding is off (shards 0). */
export function streamForWarehouse(stream: string, shards: number, warehouse: string): string {
  return shards > 0 ? shardStream(stream, shardOf(warehouse, shards)) : stream;
}

/** Redis keys of shard ownership. */
export const shardKeys = (stream: string) => ({
  /** String `<consumer> <token>` with a TTL: who owns the shard; absent means free. */
  lease: (shard: number) => `${stream}:shard-lease:${shard}`,
  /** Counter handing out fencing tokens: a newer lease always has a larger token. */
  fence: `${stream}:shard-fence`,
  /** Sorted set of live workers, scored by their last heartbeat (Redis server time, ms). */
  workers: `${stream}:shard-workers`,
  /** Hash: how many shards each live worker holds (for the balance between them). */
  owned: `${stream}:shard-owned`,
});
