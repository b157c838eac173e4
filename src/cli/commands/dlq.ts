// `inventorybot dlq list|replay|purge`, filtered by error code, warehouse, batch id or kind.
import { Command } from 'commander';
import type { DeadLetterFilter } from '../../worker/dead-letter.ts';
import { listDeadLetters, purgeDeadLetters, replayDeadLetters } from '../../worker/dead-letter-store.ts';
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
    .description('put matching entries back on the main stream and remove them from the dead-letter stream')
    .action(async (o: QueueCliOptions & FilterOptions) => {
      const result = await withRedis(o.redisUrl, (c) =>
        replayDeadLetters(
          c,
          { stream: o.stream, deadLetterStream: o.deadLetterStream, shards: o.shards },
          filterFrom(o),
        ),
      );
      console.log(
        `replayed ${result.replayed} entries onto ${o.stream}; skipped ${result.skipped} without a batch`,
      );
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
