// `inventorybot simulate-logs`: a seeded, reproducible synthetic log dataset in the worker's format.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command } from 'commander';
import { parseDuration } from '../../monitoring/log-alerts.ts';
import {
  SYNTHETIC_DEFAULTS,
  syntheticLogLines,
  type SyntheticLogOptions,
} from '../../monitoring/synthetic-logs.ts';

interface SimulateLogsCliOptions {
  count: string;
  seed: string;
  errorRate: string;
  start?: string;
  warehouses: string;
  interval: string;
  retryRate: string;
  burst: string;
  output?: string;
}

function parseNumber(text: string, what: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`invalid ${what} "${text}"`);
  return n;
}

/** Options from the flags; the start defaults to `count` mean intervals before now, so the data is recent. */
export function syntheticOptionsFrom(o: SimulateLogsCliOptions, now: Date): SyntheticLogOptions {
  const count = Math.floor(parseNumber(o.count, '--count', 0));
  const meanIntervalMs = parseDuration(o.interval);
  if (meanIntervalMs === undefined || meanIntervalMs <= 0)
    throw new Error(`invalid --interval "${o.interval}"`);
  let start: Date;
  if (o.start === undefined) start = new Date(now.getTime() - count * meanIntervalMs);
  else {
    const ago = parseDuration(o.start);
    start = ago === undefined ? new Date(o.start) : new Date(now.getTime() - ago);
    if (Number.isNaN(start.getTime()))
      throw new Error(`invalid --start "${o.start}" (ISO time or e.g. 10m ago as 10m)`);
  }
  return {
    count,
    seed: Math.floor(parseNumber(o.seed, '--seed', 0)),
    errorRate: parseNumber(o.errorRate, '--error-rate', 0, 1),
    start,
    warehouses: Math.floor(parseNumber(o.warehouses, '--warehouses', 1)),
    meanIntervalMs,
    retryRate: parseNumber(o.retryRate, '--retry-rate', 0, 1),
    burst: Math.floor(parseNumber(o.burst, '--burst', 0)),
  };
}

export async function writeLines(lines: Iterable<string>, out: Writable): Promise<void> {
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
}

export function simulateLogsCommand(): Command {
  const d = SYNTHETIC_DEFAULTS;
  return new Command('simulate-logs')
    .description(
      'write a seeded, reproducible synthetic worker log (bot_start, batch_complete, batch_error events, ' +
        `${d.minItems}-${d.maxItems} items per batch) for demos and for \`inventorybot alerts\``,
    )
    .option('-n, --count <n>', 'batch events', String(d.count))
    .option('--seed <n>', 'random seed: the same seed and options give the same lines', String(d.seed))
    .option('--error-rate <share>', 'share of batches that fail (0..1)', String(d.errorRate))
    .option('--start <time>', 'time of the first line: ISO time, or a duration ago (default: ends about now)')
    .option('--warehouses <n>', 'number of warehouses', String(d.warehouses))
    .option('--interval <duration>', 'mean time between batches', `${d.meanIntervalMs}ms`)
    .option(
      '--retry-rate <share>',
      'upstream retries per item on healthy batches (0..1)',
      String(d.retryRate),
    )
    .option('--burst <n>', 'a run of n failed batches in a row halfway through (an outage)', String(d.burst))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (o: SimulateLogsCliOptions) => {
      const options = syntheticOptionsFrom(o, new Date());
      const out = o.output ? createWriteStream(o.output) : process.stdout;
      await writeLines(syntheticLogLines(options), out);
      if (o.output) {
        out.end();
        await once(out, 'finish');
      }
    });
}
