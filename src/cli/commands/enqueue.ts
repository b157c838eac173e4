// `inventorybot enqueue`: synthetic batches, or batches from a JSON/JSONL/CSV file, with a progress bar.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { formatOf, parseBatchFile } from '../batch-file.ts';
import { enqueueBatches } from '../enqueue-batches.ts';
import { ProgressBar } from '../progress-bar.ts';
import { decimal, integer, share } from '../numeric-options.ts';
import { addQueueOptions, withRedis, type QueueCliOptions } from '../queue-options.ts';
import { syntheticBatches } from '../workload.ts';
import type { BatchMessage } from '../../worker/message.ts';

interface EnqueueCliOptions extends QueueCliOptions {
  file?: string;
  count: number;
  warehouses: number;
  batchSize: string;
  rate?: number;
  unknownSkuRate: number;
  seed: number;
  runId?: string;
}

/** "5-20" → {min: 5, max: 20}; "8" → {min: 8, max: 8}. */
export function parseRange(text: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`invalid range "${text}" (expected N or MIN-MAX)`);
  const min = Number(match[1]);
  const max = Number(match[2] ?? match[1]);
  if (min < 1 || max < min) throw new Error(`invalid range "${text}"`);
  return { min, max };
}

export function enqueueCommand(): Command {
  return addQueueOptions(new Command('enqueue'))
    .description('put batches on the stream: synthetic ones, or those of a JSON/JSONL/CSV file')
    .option(
      '-f, --file <path>',
      'batches from a file (.json array, .jsonl, or .csv with batchId,warehouse,sku,delta,target,key)',
    )
    .option('-n, --count <n>', 'synthetic: number of batches', integer(1), 100)
    .option('--warehouses <n>', 'synthetic: number of warehouses', integer(1), 4)
    .option('--batch-size <range>', 'synthetic: items per batch, N or MIN-MAX', '1-20')
    .option(
      '--rate <batchesPerSecond>',
      'enqueue at most this many batches per second',
      decimal(Number.MIN_VALUE),
    )
    .option('--unknown-sku-rate <share>', 'synthetic: share of items with an unknown SKU', share, 0)
    .option('--seed <n>', 'synthetic: random seed', integer(0), 1)
    .option('--run-id <id>', 'synthetic: batch id prefix (default: time based, unique per run)')
    .action(async (o: EnqueueCliOptions) => {
      const batches: BatchMessage[] = o.file
        ? parseBatchFile(readFileSync(o.file, 'utf8'), formatOf(o.file))
        : (() => {
            const size = parseRange(o.batchSize);
            return [
              ...syntheticBatches({
                batches: o.count,
                warehouses: o.warehouses,
                minItems: size.min,
                maxItems: size.max,
                unknownSkuRate: o.unknownSkuRate,
                seed: o.seed,
                runId: o.runId ?? `run-${Date.now().toString(36)}`,
              }),
            ];
          })();
      const progress = new ProgressBar('enqueue', batches.length);
      const done = await withRedis(o.redisUrl, (client) =>
        enqueueBatches(client, batches, {
          stream: o.stream,
          shards: o.shards,
          ...(o.rate ? { ratePerSecond: o.rate } : {}),
          onProgress: (n) => progress.update(n),
        }),
      );
      progress.finish(done);
      const items = batches.reduce((sum, b) => sum + b.items.length, 0);
      const where = o.shards > 0 ? `${o.stream} (${o.shards} warehouse shards)` : o.stream;
      console.log(`enqueued ${done} batches (${items} items) on ${where}`);
    });
}
