// `inventorybot demo` (make demo): the whole pipeline locally, with a summary.
import { Command } from 'commander';
import { DEFAULT_REDIS_BINARY } from '../local/redis-server.ts';
import { runDemo } from '../demo/run-demo.ts';
import { parseRange } from './enqueue.ts';
import { integer, share } from '../numeric-options.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start redis-server, the simulator and workers locally, run a synthetic workload, print a summary',
    )
    .option('--workers <n>', 'worker processes', integer(1, 64), 3)
    .option('--batches <n>', 'batches to enqueue', integer(1), 1000)
    .option('--batch-size <range>', 'items per batch, N or MIN-MAX', '1-20')
    .option('--warehouses <n>', 'warehouses', integer(1), 4)
    .option('--failure-rate <share>', 'simulator transient failure share', share, 0.2)
    .option('--unknown-sku-rate <share>', 'share of items with an unknown SKU (dead letters)', share, 0.001)
    .option('--seed <n>', 'random seed', integer(0), 7)
    .option('--redis-server <path>', 'redis-server binary', DEFAULT_REDIS_BINARY)
    .option('--timeout <seconds>', 'give up after this long', integer(1), 120)
    .action(async (o) => {
      const size = parseRange(o.batchSize);
      process.exitCode = await runDemo({
        workers: o.workers,
        batches: o.batches,
        minItems: size.min,
        maxItems: size.max,
        warehouses: o.warehouses,
        failureRate: o.failureRate,
        unknownSkuRate: o.unknownSkuRate,
        seed: o.seed,
        redisServer: o.redisServer,
        timeoutSeconds: o.timeout,
      });
    });
}
