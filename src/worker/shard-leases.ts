// Shard ownership in Redis (issue 13). A shard is owned through a lease: a key holding
// "<consumer> <token>" with a TTL, where the token comes from a counter (a fencing token: a newer lease
// always has a larger one, and a value is never reused). Every change is one Lua script, so two
// workers can never both believe they took a free shard. Live workers register with a heartbeat in a
// sorted set scored by Redis server time, so clocks of the pods do not matter, with the number of
// shards each holds; balance: see shard-balance.ts.
import { LuaScript } from './lua-script.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';
import { shardKeys } from '../contracts/shard-routing.ts';

// KEYS: workers, owned. ARGV: consumer, ttl ms, shards held. Heartbeat with the count held, forget
// silent workers; returns {live workers, fewest shards any live worker holds}.
const REGISTER = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
for _, name in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)) do
  redis.call('HDEL', KEYS[2], name)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl * 10)
redis.call('PEXPIRE', KEYS[2], ttl * 10)
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
local fewest = -1
for _, name in ipairs(live) do
  local held = tonumber(redis.call('HGET', KEYS[2], name) or '0')
  if fewest < 0 or held < fewest then fewest = held end
end
return {#live, fewest}
`);

// KEYS: fence, lease keys of the candidate shards. ARGV: consumer, ttl ms, how many, candidate shards.
// Takes up to `how many` free shards; returns {shard, token, shard, token, …}.
const ACQUIRE = new LuaScript(`
local taken = {}
local want = tonumber(ARGV[3])
for i = 2, #KEYS do
  if #taken / 2 >= want then break end
  if redis.call('EXISTS', KEYS[i]) == 0 then
    local token = redis.call('INCR', KEYS[1])
    redis.call('SET', KEYS[i], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
    table.insert(taken, ARGV[i + 2])
    table.insert(taken, tostring(token))
  end
end
return taken
`);

// KEYS: lease keys. ARGV: ttl ms, their values. Renews those still ours; returns 1/0 per lease.
const RENEW = new LuaScript(`
local out = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`);

// KEYS: lease. ARGV: value. Deletes the lease only if it is still ours.
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

export interface Lease {
  shard: number;
  key: string;
  value: string;
  token: number;
}

export class ShardLeases {
  readonly #client: RedisClient;
  readonly #keys: ReturnType<typeof shardKeys>;
  readonly #consumer: string;
  readonly #ttlMs: number;

  constructor(client: RedisClient, options: { stream: string; consumer: string; ttlMs: number }) {
    this.#client = client;
    this.#keys = shardKeys(options.stream);
    this.#consumer = options.consumer;
    this.#ttlMs = Math.round(options.ttlMs);
  }

  /** Heartbeat with the number of shards held; returns the live workers and the fewest shards one holds. */
  async register(held: number): Promise<{ live: number; fewest: number }> {
    const [live, fewest] = (await REGISTER.run(
      this.#client,
      [this.#keys.workers, this.#keys.owned],
      [this.#consumer, String(this.#ttlMs), String(held)],
    )) as [number, number];
    return { live: Number(live), fewest: Number(fewest) };
  }

  /** Leaves the registry at once (scale-in), so the others rebalance without waiting for the TTL. */
  async deregister(): Promise<void> {
    await this.#client
      .multi()
      .zRem(this.#keys.workers, this.#consumer)
      .hDel(this.#keys.owned, this.#consumer)
      .exec();
  }

  /** Takes up to `count` of the candidate shards that are free, in the order given. */
  async acquire(candidates: readonly number[], count: number): Promise<Lease[]> {
    if (count <= 0 || candidates.length === 0) return [];
    const reply = (await ACQUIRE.run(
      this.#client,
      [this.#keys.fence, ...candidates.map((s) => this.#keys.lease(s))],
      [this.#consumer, String(this.#ttlMs), String(count), ...candidates.map(String)],
    )) as string[];
    const leases: Lease[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const shard = Number(reply[i]);
      const token = Number(reply[i + 1]);
      leases.push({ shard, token, key: this.#keys.lease(shard), value: `${this.#consumer} ${token}` });
    }
    return leases;
  }

  /** Renews the leases; returns those that are no longer ours (expired, or taken by another worker). */
  async renew(leases: readonly Lease[]): Promise<Lease[]> {
    if (leases.length === 0) return [];
    const reply = (await RENEW.run(
      this.#client,
      leases.map((l) => l.key),
      [String(this.#ttlMs), ...leases.map((l) => l.value)],
    )) as number[];
    return leases.filter((_, i) => Number(reply[i]) !== 1);
  }

  async release(lease: Lease): Promise<void> {
    await RELEASE.run(this.#client, [lease.key], [lease.value]);
  }
}
