// The Redis Streams side of the worker: consumer group reads on a dedicated blocking connection,
// XAUTOCLAIM of idle entries, the worker's own redeliveries, heartbeats, delivery notes, the end of a
// delivery (ack + dead letters + markers in one script, or give-back + markers + cause), and the
// removal of dead consumers.
import { LuaScript } from './lua-script.ts';
import { causeField, notesKey, outageField, parseCause, type DeliveryCause } from './delivery-notes.ts';
import type { MarkerWrite } from './idempotency.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';

export interface QueueOptions {
  stream: string;
  consumerGroup: string;
  deadLetterStream: string;
  consumer: string;
  markerTtlSeconds: number;
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
  deliveries: number;
}

const isNoGroup = (error: unknown) => error instanceof Error && error.message.startsWith('NOGROUP');

// Redelivers one of our own pending entries to ourselves, only if it is still ours (another worker
// may have reclaimed it): XCLAIM bumps its delivery count, so the redelivery is counted like any other.
const RECLAIM_OWN = new LuaScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #p == 0 then return false end
local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3])
if #claimed == 0 or not claimed[1] then return false end
return {tostring(p[1][4] + 1), claimed[1][2]}
`);

// Resets the idle time of those ids still pending on this consumer, and only those: a plain XCLAIM with
// min-idle 0 would take back an entry another worker has reclaimed meanwhile (a stalled worker's late
// heartbeat), and two workers would then hold it (noticed in #16's review). KEYS: stream. ARGV: group,
// consumer, ids… Returns how many were still ours.
const HEARTBEAT_OWN = new LuaScript(`
local kept = 0
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept
`);

// Removes consumers with nothing pending that have been idle past a bound. Atomic, so a consumer
// cannot receive an entry between the check and the removal (DELCONSUMER drops its pending entries).
const DELETE_DEAD_CONSUMERS = new LuaScript(`
local removed = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[2] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > tonumber(ARGV[3]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    table.insert(removed, info['name'])
  end
end
return removed
`);

// KEYS: stream, notes, dead-letter stream, marker keys… ARGV: group, id, marker TTL, dead letters (JSON
// array of flat field lists), marker values… One command instead of a MULTI of 3 + markers (#12: the
// encoding and parsing of a dozen commands per batch showed in the worker's profile); atomic the same.
const FINISH = new LuaScript(`
for i = 4, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'EX', ARGV[3]) end
for _, fields in ipairs(cjson.decode(ARGV[4])) do redis.call('XADD', KEYS[3], '*', unpack(fields)) end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2] .. ':outage', ARGV[2] .. ':cause')
return 1
`);

function fieldsOf(flat: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const list = (flat ?? []) as string[];
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i] as string] = list[i + 1] as string;
  return out;
}

export class StreamQueue {
  readonly #client: RedisClient;
  readonly #reader: RedisClient;
  readonly #o: QueueOptions;
  readonly #notes: string;

  constructor(client: RedisClient, reader: RedisClient, options: QueueOptions) {
    this.#client = client;
    this.#reader = reader;
    this.#o = options;
    this.#notes = notesKey(options.stream);
  }

  /** Creates the group at the start of the stream (so batches enqueued before the first worker count). */
  async ensureGroup(): Promise<void> {
    try {
      await this.#client.xGroupCreate(this.#o.stream, this.#o.consumerGroup, '0', { MKSTREAM: true });
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /** New entries for this consumer; their delivery count is 1. */
  async read(count: number, blockMs: number): Promise<StreamEntry[]> {
    let reply;
    try {
      reply = await this.#reader.xReadGroup(
        this.#o.consumerGroup,
        this.#o.consumer,
        { key: this.#o.stream, id: '>' },
        { COUNT: count, BLOCK: Math.max(1, Math.round(blockMs)) },
      );
    } catch (error) {
      // The group vanishes if Redis lost its data: recreate it rather than spin on errors.
      if (isNoGroup(error)) await this.ensureGroup();
      throw error;
    }
    if (!reply) return [];
    const streams = reply as unknown as { messages: { id: string; message: Record<string, string> }[] }[];
    return streams.flatMap((stream) =>
      stream.messages.map((m) => ({ id: m.id, fields: { ...m.message }, deliveries: 1 })),
    );
  }

  /** Claims entries idle for minIdleMs (from any consumer), with their delivery counts. */
  async autoClaim(minIdleMs: number, count: number): Promise<StreamEntry[]> {
    const reply = await this.#client.xAutoClaim(
      this.#o.stream,
      this.#o.consumerGroup,
      this.#o.consumer,
      minIdleMs,
      '0-0',
      { COUNT: count },
    );
    const messages = reply.messages.filter((m): m is NonNullable<typeof m> => m !== null);
    if (messages.length === 0) return [];
    const ids = new Set(messages.map((m) => m.id));
    const pending = await this.#client.xPendingRange(
      this.#o.stream,
      this.#o.consumerGroup,
      (messages[0] as { id: string }).id,
      (messages[messages.length - 1] as { id: string }).id,
      Math.max(1000, messages.length * 4),
      { consumer: this.#o.consumer },
    );
    const counts = new Map(pending.filter((p) => ids.has(p.id)).map((p) => [p.id, p.deliveriesCounter]));
    return messages.map((m) => ({
      id: m.id,
      fields: { ...m.message } as Record<string, string>,
      deliveries: counts.get(m.id) ?? 1,
    }));
  }

  /** Redelivers our own pending entry to ourselves (counted); undefined if it is no longer ours. */
  async reclaimOwn(id: string): Promise<StreamEntry | undefined> {
    const reply = (await RECLAIM_OWN.run(
      this.#client,
      [this.#o.stream],
      [this.#o.consumerGroup, this.#o.consumer, id],
    )) as [string, unknown] | null;
    if (!reply) return undefined;
    return { id, deliveries: Number(reply[0]), fields: fieldsOf(reply[1]) };
  }

  /** Ids pending on this consumer name (left by an earlier run under the same name). */
  async ownPending(): Promise<string[]> {
    const pending = await this.#client.xPendingRange(this.#o.stream, this.#o.consumerGroup, '-', '+', 1000, {
      consumer: this.#o.consumer,
    });
    return pending.map((p) => p.id);
  }

  /**
   * Resets the idle time of entries still being worked on, so nobody reclaims them (JUSTID: no delivery
   * bump); entries another worker has taken meanwhile stay its own. Returns how many were still ours.
   */
  async heartbeat(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(
      await HEARTBEAT_OWN.run(
        this.#client,
        [this.#o.stream],
        [this.#o.consumerGroup, this.#o.consumer, ...ids],
      ),
    );
  }

  /** Marks the current delivery of `id` as spent in an outage (it will not count toward maxDeliveries). */
  async forgiveDelivery(id: string): Promise<void> {
    await this.#client.hIncrBy(this.#notes, outageField(id), 1);
  }

  async readNotes(id: string): Promise<{ outageDeliveries: number; cause: DeliveryCause | undefined }> {
    const [outage, cause] = await this.#client.hmGet(this.#notes, [outageField(id), causeField(id)]);
    return { outageDeliveries: Number(outage ?? 0) || 0, cause: parseCause(cause) };
  }

  /** Ends a delivery with a verdict: markers, dead letters and the ack in one script; the notes go too. */
  async finish(
    id: string,
    markers: readonly MarkerWrite[],
    deadLetters: readonly Record<string, string>[],
  ): Promise<void> {
    await FINISH.run(
      this.#client,
      [this.#o.stream, this.#notes, this.#o.deadLetterStream, ...markers.map((m) => m.key)],
      [
        this.#o.consumerGroup,
        id,
        String(this.#o.markerTtlSeconds),
        deadLetters.length === 0 ? '[]' : JSON.stringify(deadLetters.map((f) => Object.entries(f).flat())),
        ...markers.map((m) => m.value),
      ],
    );
  }

  /** Ends a delivery without a verdict: the entry stays pending; markers and the cause are kept. */
  async giveBack(
    id: string,
    markers: readonly MarkerWrite[],
    cause: DeliveryCause | undefined,
  ): Promise<void> {
    if (markers.length === 0 && !cause) return;
    const multi = this.#client.multi();
    for (const m of markers) multi.set(m.key, m.value, { NX: true, EX: this.#o.markerTtlSeconds });
    if (cause) multi.hSet(this.#notes, causeField(id), JSON.stringify(cause));
    await multi.exec();
  }

  /** XGROUP DELCONSUMER for consumers with nothing pending, idle longer than idleMs; returns their names. */
  async deleteDeadConsumers(idleMs: number): Promise<string[]> {
    return (await DELETE_DEAD_CONSUMERS.run(
      this.#client,
      [this.#o.stream],
      [this.#o.consumerGroup, this.#o.consumer, String(Math.round(idleMs))],
    )) as string[];
  }
}
