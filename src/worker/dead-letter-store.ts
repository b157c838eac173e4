// Dead-letter stream operations for the CLI: list, replay onto the main stream, purge; all filterable.
import { BATCH_FIELD } from './message.ts';
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

/**
 * Puts matching entries back on the main stream (as fresh batches, same batch ids and item keys, so
 * items applied in the meantime are skipped) and removes them from the dead-letter stream, one MULTI
 * per entry. Entries without a batch payload are left alone.
 */
export async function replayDeadLetters(
  client: RedisClient,
  names: { stream: string; deadLetterStream: string; shards?: number },
  filter: DeadLetterFilter = {},
): Promise<{ replayed: number; skipped: number }> {
  const entries = await listDeadLetters(client, names.deadLetterStream, filter);
  let replayed = 0;
  let skipped = 0;
  for (const entry of entries) {
    if (entry.batch === '') {
      skipped++;
      continue;
    }
    // Back to the warehouse's shard when the queue is sharded (#13), behind what is queued there now.
    const target = entry.warehouse
      ? streamForWarehouse(names.stream, names.shards ?? 0, entry.warehouse)
      : names.stream;
    await client
      .multi()
      .xAdd(target, '*', { [BATCH_FIELD]: entry.batch })
      .xDel(names.deadLetterStream, entry.id)
      .exec();
    replayed++;
  }
  return { replayed, skipped };
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
