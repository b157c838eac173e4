// One warehouse shard's stream as its owner sees it (issue 13): the next entry in order (the oldest
// pending one first, whoever held it, then the next new one), taken only while this worker's lease is
// the shard's current one; and the end of a delivery fenced by the same lease: markers always (they
// record effects that happened), the acknowledgement and dead letters only while the lease holds.
import { LuaScript } from './lua-script.ts';
import type { MarkerWrite } from './idempotency.ts';
import { LeaseLostError } from './errors.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';
import { StreamQueue, type QueueOptions, type StreamEntry } from './stream-queue.ts';
import { notesKey } from './delivery-notes.ts';

// KEYS: stream, lease. ARGV: group, consumer, lease value.
// The oldest pending entry first: one batch at a time per shard, so it is the one the last owner was
// working on (or gave back), and everything behind it waits for it. XCLAIM counts the redelivery.
const NEXT = new LuaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return {'lost'} end
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1)
if #p > 0 then
  local id = p[1][1]
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
  if #claimed == 0 or not claimed[1] then
    redis.call('XACK', KEYS[1], ARGV[1], id)
    return {'gone', id}
  end
  return {'entry', id, tostring(p[1][4] + 1), claimed[1][2]}
end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
if not r then
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  return {'empty', last[1] and last[1][1] or '0-0'}
end
local m = r[1][2][1]
return {'entry', m[1], '1', m[2]}
`);

// KEYS: stream, lease, notes, dead-letter stream, marker keys…
// ARGV: group, lease value, id, marker TTL, dead letters (JSON array of flat field lists), marker values…
const FINISH = new LuaScript(`
for i = 5, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'EX', ARGV[4]) end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
for _, fields in ipairs(cjson.decode(ARGV[5])) do redis.call('XADD', KEYS[4], '*', unpack(fields)) end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3] .. ':outage', ARGV[3] .. ':cause')
return 1
`);

export type NextEntry =
  | { kind: 'entry'; entry: StreamEntry }
  /** Nothing undone; `lastId`: the newest entry (all delivered), to wait for the ones after it. */
  | { kind: 'empty'; lastId: string }
  | { kind: 'gone' }
  | { kind: 'lost' };

function fieldsOf(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const list = (flat ?? []) as string[];
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i] as string] = list[i + 1] as string;
  return out;
}

export class ShardQueue extends StreamQueue {
  readonly #client: RedisClient;
  readonly #o: QueueOptions;
  readonly #leaseKey: string;
  readonly #leaseValue: string;

  constructor(client: RedisClient, options: QueueOptions, lease: { key: string; value: string }) {
    super(client, client, options);
    this.#client = client;
    this.#o = options;
    this.#leaseKey = lease.key;
    this.#leaseValue = lease.value;
  }

  get stream(): string {
    return this.#o.stream;
  }

  async next(): Promise<NextEntry> {
    const reply = (await NEXT.run(
      this.#client,
      [this.#o.stream, this.#leaseKey],
      [this.#o.consumerGroup, this.#o.consumer, this.#leaseValue],
    )) as [string, string?, string?, unknown?];
    const [kind, id, deliveries, fields] = reply;
    if (kind === 'entry') {
      return {
        kind,
        entry: { id: id as string, deliveries: Number(deliveries), fields: fieldsOf(fields) },
      };
    }
    if (kind === 'empty') return { kind, lastId: id ?? '0-0' };
    return { kind: kind as 'gone' | 'lost' };
  }

  override async finish(
    id: string,
    markers: readonly MarkerWrite[],
    deadLetters: readonly Record<string, string>[],
  ): Promise<void> {
    const acked = await FINISH.run(
      this.#client,
      [
        this.#o.stream,
        this.#leaseKey,
        notesKey(this.#o.stream),
        this.#o.deadLetterStream,
        ...markers.map((m) => m.key),
      ],
      [
        this.#o.consumerGroup,
        this.#leaseValue,
        id,
        String(this.#o.markerTtlSeconds),
        JSON.stringify(deadLetters.map((fields) => Object.entries(fields).flat())),
        ...markers.map((m) => m.value),
      ],
    );
    if (acked !== 1) {
      throw new LeaseLostError(
        `shard lease ${this.#leaseKey} is no longer ours: ${id} left for the shard's new owner`,
      );
    }
  }
}
