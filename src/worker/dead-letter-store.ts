// Dead-letter stream operations for the CLI: list, replay onto the main stream, purge; all filterable.
import { BATCH_FIELD, parseBatchFields } from './message.ts';
import { replayBatchId } from './replay-batch-id.ts';
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
}

export interface ReplayResult {
  /** Entries put back on the stream and removed from the dead-letter stream (`renamed` included). */
  replayed: number;
  /** Of those, BATCH_ID_REUSED entries put back under a new batch id. */
  renamed: number;
  /** Entries without a batch payload, left in the dead-letter stream. */
  skipped: number;
  /** BATCH_ID_REUSED entries left in the dead-letter stream (no `newBatchId`). */
  reusedLeft: number;
}

/**
 * Puts matching entries back on the main stream (as fresh batches, same batch ids and item keys, so
 * items applied in the meantime are skipped) and removes them from the dead-letter stream, one MULTI
 * per entry. Entries without a batch payload are left alone, and so are BATCH_ID_REUSED entries unless
 * `newBatchId` (#11): replayed under the id they reused, they would be dead-lettered again, forever.
 */
export async function replayDeadLetters(
  client: RedisClient,
  names: { stream: string; deadLetterStream: string; shards?: number },
  filter: DeadLetterFilter = {},
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const entries = await listDeadLetters(client, names.deadLetterStream, filter);
  const result: ReplayResult = { replayed: 0, renamed: 0, skipped: 0, reusedLeft: 0 };
  for (const entry of entries) {
    if (entry.batch === '') {
      result.skipped++;
      continue;
    }
    let payload = entry.batch;
    if (entry.errorCode === 'BATCH_ID_REUSED') {
      const renamed = options.newBatchId ? renamedBatch(entry) : undefined;
      if (!renamed) {
        result.reusedLeft++;
        continue;
      }
      payload = renamed;
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
    if (payload !== entry.batch) result.renamed++;
  }
  return result;
}

/**
 * The entry's batch under replayBatchId: keyless items get new derived keys (applied as new work), items
 * with their own key keep it (skipped when already applied). Undefined if the payload is not a batch.
 */
function renamedBatch(entry: DeadLetterEntry): string | undefined {
  const parsed = parseBatchFields({ [BATCH_FIELD]: entry.batch });
  if (!parsed.ok) return undefined;
  return JSON.stringify({ ...parsed.batch, batchId: replayBatchId(parsed.batch.batchId, entry.id) });
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
