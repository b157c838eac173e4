// `inventorybot demo` (make demo): the whole pipeline locally, with a summary.
import { Command } from 'commander';
import { DEFAULT_REDIS_BINARY } from '../local/redis-server.ts';
import { runDemo } from '../demo/run-demo.ts';
import { parseRange } from './enqueue.ts';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'start redis-server, the simulator and workers locally, run a synthetic workload, print a summary',
    )
    .option('--workers <n>', 'worker processes', '3')
    .option('--batches <n>', 'batches to enqueue', '1000')
    .option('--batch-size <range>', 'items per batch, N or MIN-MAX', '1-20')
    .option('--warehouses <n>', 'warehouses', '4')
    .option('--failure-rate <share>', 'simulator transient failure share', '0.2')
    .option('--unknown-sku-rate <share>', 'share of items with an unknown SKU (dead letters)', '0.001')
    .option('--seed <n>', 'random seed', '7')
    .option('--redis-server <path>', 'redis-server binary', DEFAULT_REDIS_BINARY)
    .option('--timeout <seconds>', 'give up after this long', '120')
    .action(async (o) => {
      const size = parseRange(o.batchSize);
      process.exitCode = await runDemo({
        workers: Number(o.workers),
        batches: Number(o.batches),
        minItems: size.min,
        maxItems: size.max,
        warehouses: Number(o.warehouses),
        failureRate: Number(o.failureRate),
        unknownSkuRate: Number(o.unknownSkuRate),
        seed: Number(o.seed),
        redisServer: o.redisServer,
        timeoutSeconds: Number(o.timeout),
      });
    });
}
