// `inventorybot dlq list|replay|purge`, filtered by error code, warehouse, batch id or kind.
import { Command } from 'commander';
import type { DeadLetterFilter } from '../../worker/dead-letter.ts';
import {
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  type LoopingCode,
  type ReplayResult,
} from '../../worker/dead-letter-store.ts';
import { integer } from '../numeric-options.ts';
import { addQueueOptions, withRedis, type QueueCliOptions } from '../queue-options.ts';

interface FilterOptions {
  errorCode?: string;
  warehouse?: string;
  batchId?: string;
  kind?: string;
}

export function filterFrom(o: FilterOptions): DeadLetterFilter {
  return Object.fromEntries(
    Object.entries({
      errorCode: o.errorCode,
      warehouse: o.warehouse,
      batchId: o.batchId,
      kind: o.kind,
    }).filter(([, v]) => v !== undefined),
  );
}

const withFilters = (command: Command) =>
  addQueueOptions(command)
    .option('--error-code <code>', 'only entries with this error_code (e.g. UNKNOWN_SKU)')
    .option('--warehouse <id>', 'only entries of this warehouse')
    .option('--batch-id <id>', 'only entries of this batch')
    .option('--kind <kind>', 'only entries of this kind: item, batch or message');

export function dlqCommand(): Command {
  const dlq = new Command('dlq').description('inspect, replay or purge the dead-letter stream');

  withFilters(dlq.command('list'))
    .description('list dead letters, oldest first')
    .option('--limit <n>', 'at most this many', integer(1), 50)
    .option('--json', 'print JSON lines')
    .action(async (o: QueueCliOptions & FilterOptions & { limit: number; json?: boolean }) => {
      const entries = await withRedis(o.redisUrl, (c) =>
        listDeadLetters(c, o.deadLetterStream, filterFrom(o), o.limit),
      );
      for (const e of entries) {
        if (o.json) console.log(JSON.stringify(e));
        else
          console.log(
            [e.id, e.kind, e.errorCode, e.warehouse ?? '-', e.batchId ?? '-', e.itemKey ?? '-', e.error].join(
              '\t',
            ),
          );
      }
      if (!o.json) console.error(`${entries.length} entries`);
    });

  withFilters(dlq.command('replay'))
    .description(
      'put matching entries back on the main stream and remove them from the dead-letter stream; ' +
        'BATCH_ID_REUSED entries stay unless --new-batch-id, IDEMPOTENCY_KEY_REUSED ones unless --new-item-key',
    )
    .option(
      '--new-batch-id',
      'replay BATCH_ID_REUSED entries under a new batch id (<old id>~replay-<entry id>), so their content ' +
        'is applied as new work; items with their own key are still skipped if applied',
    )
    .option(
      '--new-item-key',
      'replay IDEMPOTENCY_KEY_REUSED item entries under a new item key (<old key>~replay-<entry id>), so ' +
        'their operation is applied as new work',
    )
    .action(async (o: QueueCliOptions & FilterOptions & { newBatchId?: boolean; newItemKey?: boolean }) => {
      const result = await withRedis(o.redisUrl, (c) =>
        replayDeadLetters(
          c,
          { stream: o.stream, deadLetterStream: o.deadLetterStream, shards: o.shards },
          filterFrom(o),
          { newBatchId: o.newBatchId === true, newItemKey: o.newItemKey === true },
        ),
      );
      console.log(replaySummary(result, o.stream));
    });

  withFilters(dlq.command('purge'))
    .description('delete matching entries from the dead-letter stream')
    .requiredOption('--yes', 'confirm')
    .action(async (o: QueueCliOptions & FilterOptions) => {
      const purged = await withRedis(o.redisUrl, (c) =>
        purgeDeadLetters(c, o.deadLetterStream, filterFrom(o)),
      );
      console.log(`purged ${purged} entries from ${o.deadLetterStream}`);
    });

  return dlq;
}

/** What the replay's line says of entries whose old ids would loop (#11), by error code. */
const LOOPING_TEXT: Record<
  LoopingCode,
  { renamedAs: string; why: string; under: string; flag: string; what: string }
> = {
  BATCH_ID_REUSED: {
    renamedAs: 'a new batch id',
    why: 'their batch id was applied before with other content',
    under: 'under it',
    flag: '--new-batch-id',
    what: 'their content',
  },
  IDEMPOTENCY_KEY_REUSED: {
    renamedAs: 'a new item key',
    why: 'their item key was applied before with another operation',
    under: 'under that key',
    flag: '--new-item-key',
    what: 'their operation',
  },
};

/** The replay's one line; says why entries were left and how to replay them (#11). */
export function replaySummary(r: ReplayResult, stream: string): string {
  const codes = Object.keys(LOOPING_TEXT) as LoopingCode[];
  const renamed = codes
    .filter((code) => (r.renamed[code] ?? 0) > 0)
    .map((code) => `${r.renamed[code]} under ${LOOPING_TEXT[code].renamedAs}`);
  const left = codes
    .filter((code) => (r.left[code] ?? 0) > 0)
    .map((code) => {
      const t = LOOPING_TEXT[code];
      return (
        `; left ${r.left[code]} ${code} entries in the dead-letter stream: ${t.why}, so ${t.under} they ` +
        `would be dead-lettered again; replay them with ${t.flag} to apply ${t.what} as new work`
      );
    });
  return (
    `replayed ${r.replayed} entries onto ${stream}${renamed.length ? ` (${renamed.join(', ')})` : ''}; ` +
    `skipped ${r.skipped} without a batch${left.join('')}`
  );
}
