// `inventorybot roi`: measured figures (workers' /metrics, Prometheus, or JSON logs) + assumptions (flags or
// an InventoryBot's spec.roi) → an ROI report in Markdown and HTML with charts (SVG and PNG).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { readBotSections } from '../../monitoring/bot-file.ts';
import { parseBatchEvent, parseDuration, type BatchLogEvent } from '../../monitoring/log-alerts.ts';
import {
  computeRoi,
  type MeasuredFigures,
  type RoiAssumptions,
  type RoiResult,
} from '../../roi/arithmetic.ts';
import { renderCharts, roiCharts } from '../../roi/charts.ts';
import {
  figuresFromLogs,
  figuresFromPrometheus,
  figuresFromSnapshots,
  sampleWorkerMetrics,
} from '../../roi/measure.ts';
import { writeReport, type WrittenReport } from '../../roi/report.ts';

export interface RoiCliOptions {
  metricsUrl?: string[];
  duration: string;
  interval: string;
  prometheus?: string;
  selector: string;
  range: string;
  step?: string;
  logs?: string[];
  cpuSecondsPerItem?: string;
  replicas?: string;
  bot?: string;
  laborMinutesPerItem?: string;
  laborCostPerHour?: string;
  cpuSecondPrice?: string;
  setupCost?: string;
  currency?: string;
  out: string;
  quiet?: boolean;
}

const num = (text: string | undefined, what: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid ${what} "${text}"`);
  return n;
};
const duration = (text: string, what: string): number => {
  const ms = parseDuration(text) ?? (text === '0' ? 0 : undefined);
  if (ms === undefined) throw new Error(`invalid ${what} "${text}" (e.g. 30s, 5m)`);
  return ms;
};

export function assumptionsFrom(o: RoiCliOptions): Partial<RoiAssumptions> {
  const fromBot = o.bot ? readBotSections(o.bot).roi : {};
  const flags: Partial<RoiAssumptions> = {
    laborMinutesPerItem: num(o.laborMinutesPerItem, '--labor-minutes-per-item'),
    laborCostPerHour: num(o.laborCostPerHour, '--labor-cost-per-hour'),
    cpuSecondPrice: num(o.cpuSecondPrice, '--cpu-second-price'),
    setupCost: num(o.setupCost, '--setup-cost'),
    currency: o.currency,
  };
  return { ...fromBot, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
}

async function measure(o: RoiCliOptions): Promise<MeasuredFigures> {
  const replicas = num(o.replicas, '--replicas');
  const sources = [o.metricsUrl?.length, o.prometheus, o.logs?.length].filter(Boolean).length;
  if (sources !== 1) throw new Error('give exactly one of --metrics-url, --prometheus or --logs');
  if (o.metricsUrl?.length) {
    const durationMs = duration(o.duration, '--duration');
    const urls = o.metricsUrl;
    const snapshots =
      durationMs === 0
        ? (await sampleWorkerMetrics(urls, { durationMs: 0, intervalMs: 1 })).slice(-1)
        : await sampleWorkerMetrics(urls, { durationMs, intervalMs: duration(o.interval, '--interval') });
    return figuresFromSnapshots(snapshots, {
      replicas: replicas ?? urls.length,
      source: `${urls.length} worker /metrics endpoint(s)${durationMs === 0 ? ', totals since start' : ''}`,
    });
  }
  if (o.prometheus) {
    const rangeMs = duration(o.range, '--range');
    const end = Date.now() / 1000;
    const step = o.step ? duration(o.step, '--step') / 1000 : Math.max(1, rangeMs / 1000 / 60);
    return figuresFromPrometheus(
      o.prometheus,
      o.selector,
      { start: end - rangeMs / 1000, end, step },
      replicas === undefined ? {} : { replicas },
    );
  }
  const cpuSecondsPerItem = num(o.cpuSecondsPerItem, '--cpu-seconds-per-item');
  if (cpuSecondsPerItem === undefined) {
    throw new Error(
      '--logs needs --cpu-seconds-per-item (logs carry no CPU figures; measure it from /metrics)',
    );
  }
  const events: BatchLogEvent[] = [];
  for (const file of o.logs ?? []) {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      const event = parseBatchEvent(line, file);
      if (event) events.push(event);
    }
  }
  return figuresFromLogs(events, {
    cpuSecondsPerItem,
    source: `logs: ${(o.logs ?? []).join(', ')}`,
    ...(replicas === undefined ? {} : { replicas }),
  });
}

/** The command's work without process concerns: measure, compute, render, write. */
export async function runRoi(o: RoiCliOptions): Promise<{ result: RoiResult; report: WrittenReport }> {
  const assumptions = assumptionsFrom(o);
  const slo = o.bot ? readBotSections(o.bot).slo : undefined;
  const result = computeRoi(await measure(o), assumptions);
  const charts = await renderCharts(roiCharts(result, slo));
  return { result, report: writeReport(o.out, result, charts, new Date()) };
}

export function roiCommand(): Command {
  return new Command('roi')
    .description(
      'ROI report: cost per item, labor saved, net savings, payback and projections at 10k-1M items/day, ' +
        'as Markdown and HTML with charts, from workers’ /metrics, Prometheus or JSON logs',
    )
    .option('--metrics-url <urls...>', "workers' /metrics URLs, sampled over --duration")
    .option(
      '--duration <duration>',
      'how long to sample the /metrics URLs; 0: totals since the workers started',
      '30s',
    )
    .option('--interval <duration>', 'time between /metrics samples', '2s')
    .option('--prometheus <url>', 'Prometheus base URL (its query API)')
    .option('--selector <matchers>', 'PromQL label matchers of the bot, e.g. namespace="shop",job="bot"', '')
    .option('--range <duration>', 'Prometheus: how far back to look', '1h')
    .option('--step <duration>', 'Prometheus: timeline resolution (default range/60)')
    .option('--logs <files...>', 'worker JSON log files')
    .option('--cpu-seconds-per-item <n>', 'with --logs: CPU seconds per item measured elsewhere')
    .option('--replicas <n>', 'worker replicas during the measurement (default: as measured)')
    .option('--bot <file>', "assumptions from an InventoryBot manifest's spec.roi (thresholds from spec.slo)")
    .option('--labor-minutes-per-item <n>', 'manual minutes one item saves (default 2)')
    .option('--labor-cost-per-hour <n>', 'cost of a labor hour (default 30)')
    .option('--cpu-second-price <n>', 'price of one CPU second (default 0.0000125)')
    .option('--setup-cost <n>', 'one-time setup cost to pay back (default 10000)')
    .option('--currency <code>', 'currency of the costs (default USD)')
    .option('-o, --out <dir>', 'directory for roi-report.md, roi-report.html and charts/', 'roi-report')
    .option('-q, --quiet', 'do not print the Markdown report')
    .action(async (o: RoiCliOptions) => {
      const { report } = await runRoi(o);
      if (!o.quiet) console.log(report.markdown);
      console.error(`wrote ${report.files.join(', ')}`);
    });
}
