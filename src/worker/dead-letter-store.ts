// Dead-letter stream operations for the CLI: list, replay onto the main stream, purge; all filterable.
import { BATCH_FIELD, itemKey, parseBatchFields, type BatchMessage } from './message.ts';
import { replayBatchId, replayItemKey } from './replay-ids.ts';
import { streamForWarehouse } from '../contracts/shard-routing.ts';
import {
  matchesFilter,
  parseDeadLetter,
  type DeadLetterEntry,
  type DeadLetterFilter,
} from './dead-letter.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';

const PAGE = 500;

/** Entries oldest first, paging through the whole stream, at most `limit` matches. */
export async function listDeadLetters(
  client: RedisClient,
  deadLetterStream: string,
  filter: DeadLetterFilter = {},
  limit = Number.POSITIVE_INFINITY,
): Promise<DeadLetterEntry[]> {
  const found: DeadLetterEntry[] = [];
  let start = '-';
  for (;;) {
    const page = (await client.xRange(deadLetterStream, start, '+', { COUNT: PAGE })) ?? [];
    for (const raw of page) {
      const entry = parseDeadLetter(raw.id, { ...raw.message } as Record<string, string>);
      if (matchesFilter(entry, filter)) found.push(entry);
      if (found.length >= limit) return found;
    }
    if (page.length < PAGE) return found;
    start = `(${(page[page.length - 1] as { id: string }).id}`;
  }
}

export interface ReplayOptions {
  /**
   * Re-queue BATCH_ID_REUSED entries under a new batch id (replayBatchId), so their content is applied
   * as new work (#11). Without it they stay in the dead-letter stream: under their old id they would
   * only be dead-lettered again.
   */
  newBatchId?: boolean;
  /** The same for IDEMPOTENCY_KEY_REUSED item entries: re-queued under a new item key (replayItemKey). */
  newItemKey?: boolean;
}

export interface ReplayResult {
  /** Entries put back on the stream and removed from the dead-letter stream (`renamed` included). */
  replayed: number;
  /** Of those, entries put back under a new batch id or item key, by error code. */
  renamed: Partial<Record<LoopingCode, number>>;
  /** Entries without a batch payload, left in the dead-letter stream. */
  skipped: number;
  /** Entries left in the dead-letter stream because their old id would loop, by error code. */
  left: Partial<Record<LoopingCode, number>>;
}

/** The error codes a replay under the same ids can only repeat, and how each is replayed as new work. */
const LOOPING = {
  BATCH_ID_REUSED: {
    option: 'newBatchId',
    rename: (batch: BatchMessage, entryId: string): BatchMessage => ({
      ...batch,
      batchId: replayBatchId(batch.batchId, entryId),
    }),
  },
  IDEMPOTENCY_KEY_REUSED: {
    option: 'newItemKey',
    // An item entry holds a one-item batch whose item carries the key it was applied under.
    rename: (batch: BatchMessage, entryId: string): BatchMessage => ({
      ...batch,
      items: batch.items.map((item, i) => ({
        ...item,
        key: replayItemKey(itemKey(batch, item, i), entryId),
      })),
    }),
  },
} as const satisfies Record<string, { option: keyof ReplayOptions; rename: unknown }>;
export type LoopingCode = keyof typeof LOOPING;

/**
 * Puts matching entries back on the main stream (as fresh batches, same batch ids and item keys, so
 * items applied in the meantime are skipped) and removes them from the dead-letter stream, one MULTI
 * per entry. Entries without a batch payload are left alone, and so are BATCH_ID_REUSED and
 * IDEMPOTENCY_KEY_REUSED entries unless their option says to give them new ids (#11): replayed under
 * the ids they reused, they would be dead-lettered again, forever.
 */
export async function replayDeadLetters(
  client: RedisClient,
  names: { stream: string; deadLetterStream: string; shards?: number },
  filter: DeadLetterFilter = {},
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const entries = await listDeadLetters(client, names.deadLetterStream, filter);
  const result: ReplayResult = { replayed: 0, renamed: {}, skipped: 0, left: {} };
  for (const entry of entries) {
    if (entry.batch === '') {
      result.skipped++;
      continue;
    }
    let payload = entry.batch;
    const looping = Object.hasOwn(LOOPING, entry.errorCode) ? (entry.errorCode as LoopingCode) : undefined;
    if (looping) {
      const { option, rename } = LOOPING[looping];
      const parsed = options[option] ? parseBatchFields({ [BATCH_FIELD]: entry.batch }) : undefined;
      if (!parsed?.ok) {
        result.left[looping] = (result.left[looping] ?? 0) + 1;
        continue;
      }
      // Keyless items of a renamed batch get new derived keys (new work); items with their own key
      // keep it (skipped when already applied).
      payload = JSON.stringify(rename(parsed.batch, entry.id));
      result.renamed[looping] = (result.renamed[looping] ?? 0) + 1;
    }
    // Back to the warehouse's shard when the queue is sharded (#13), behind what is queued there now.
    const target = entry.warehouse
      ? streamForWarehouse(names.stream, names.shards ?? 0, entry.warehouse)
      : names.stream;
    await client
      .multi()
      .xAdd(target, '*', { [BATCH_FIELD]: payload })
      .xDel(names.deadLetterStream, entry.id)
      .exec();
    result.replayed++;
  }
  return result;
}

export async function purgeDeadLetters(
  client: RedisClient,
  deadLetterStream: string,
  filter: DeadLetterFilter = {},
): Promise<number> {
  const entries = await listDeadLetters(client, deadLetterStream, filter);
  let purged = 0;
  for (let i = 0; i < entries.length; i += PAGE) {
    purged += await client.xDel(
      deadLetterStream,
      entries.slice(i, i + PAGE).map((e) => e.id),
    );
  }
  return purged;
}
