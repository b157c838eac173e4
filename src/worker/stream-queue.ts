// The Redis Streams side of the worker: consumer group reads on a dedicated blocking connection,
// XAUTOCLAIM of idle entries, delivery counts, heartbeats, and ack + dead-letter in one MULTI.
import type { RedisClient } from './redis-connection.ts';

export interface QueueOptions {
  stream: string;
  consumerGroup: string;
  deadLetterStream: string;
  consumer: string;
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
  deliveries: number;
}

const isNoGroup = (error: unknown) => error instanceof Error && error.message.startsWith('NOGROUP');

export class StreamQueue {
  readonly #client: RedisClient;
  readonly #reader: RedisClient;
  readonly #o: QueueOptions;

  constructor(client: RedisClient, reader: RedisClient, options: QueueOptions) {
    this.#client = client;
    this.#reader = reader;
    this.#o = options;
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
        { COUNT: count, BLOCK: blockMs },
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
    const entries: StreamEntry[] = [];
    for (const message of reply.messages) {
      if (!message) continue;
      const pending = await this.#client.xPendingRange(
        this.#o.stream,
        this.#o.consumerGroup,
        message.id,
        message.id,
        1,
      );
      entries.push({
        id: message.id,
        fields: { ...message.message } as Record<string, string>,
        deliveries: pending[0]?.deliveriesCounter ?? 1,
      });
    }
    return entries;
  }

  /** Resets the idle time of entries still being worked on, so nobody reclaims them (JUSTID: no delivery bump). */
  async heartbeat(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#client.xClaimJustId(this.#o.stream, this.#o.consumerGroup, this.#o.consumer, 0, [...ids]);
  }

  /** XADD each dead letter and XACK the entry, atomically. */
  async ackWithDeadLetters(id: string, deadLetters: readonly Record<string, string>[]): Promise<void> {
    const multi = this.#client.multi();
    for (const fields of deadLetters) multi.xAdd(this.#o.deadLetterStream, '*', fields);
    multi.xAck(this.#o.stream, this.#o.consumerGroup, id);
    await multi.exec();
  }
}
