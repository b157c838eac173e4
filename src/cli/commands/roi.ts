// `inventorybot roi`: measured figures (workers' /metrics, Prometheus, or JSON logs) + assumptions (flags or
// an InventoryBot's spec.roi) → an ROI report in Markdown and HTML with charts (SVG and PNG).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { InputError } from '../../contracts/input-error.ts';
import { readBotSections } from '../../monitoring/bot-file.ts';
import { parseDuration } from '../../monitoring/log-alerts.ts';
import { parseBatchEvent, type BatchLogEvent } from '../../contracts/log-line.ts';
import {
  computeRoi,
  DEFAULT_INPUTS,
  type MeasuredFigures,
  type RoiInputs,
  type RoiResult,
} from '../../roi/arithmetic.ts';
import { renderCharts, roiCharts } from '../../roi/charts.ts';
import {
  figuresFromLogs,
  figuresFromPrometheus,
  figuresFromSnapshots,
  rawSamples,
  sampleWorkerMetrics,
} from '../../roi/measure.ts';
import { cpuCores, memoryGiB } from '../../roi/quantity.ts';
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
  itemsPerDay?: string;
  replicaThroughput?: string;
  memoryGibHourPrice?: string;
  workerCpu?: string;
  workerMemory?: string;
  minReplicas?: string;
  cpuTarget?: string;
  operatorReplicas?: string;
  operatorCpu?: string;
  operatorMemory?: string;
  redisCpu?: string;
  redisMemory?: string;
  redisMonthlyCost?: string;
  rateLimit?: string;
  out: string;
  quiet?: boolean;
}

const num = (text: string | undefined, what: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`invalid ${what} "${text}"`);
  return n;
};
const duration = (text: string, what: string): number => {
  const ms = parseDuration(text) ?? (text === '0' ? 0 : undefined);
  if (ms === undefined) throw new InputError(`invalid ${what} "${text}" (e.g. 30s, 5m)`);
  return ms;
};

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Model inputs: defaults, then the bot's spec (roi, resources, scaling), then flags. */
export function inputsFrom(o: RoiCliOptions): Partial<RoiInputs> {
  const bot = o.bot ? readBotSections(o.bot) : undefined;
  const d = DEFAULT_INPUTS;
  const fromBot: Partial<RoiInputs> = bot
    ? {
        ...bot.roi,
        worker: {
          cpuCores: cpuCores(bot.resources.requests.cpu),
          memoryGiB: memoryGiB(bot.resources.requests.memory),
        },
        minReplicas: bot.scaling.minReplicas,
        ...(bot.scaling.targetCPUUtilizationPercentage > 0
          ? { targetCpuUtilization: bot.scaling.targetCPUUtilizationPercentage / 100 }
          : {}),
      }
    : {};
  const base = { ...d, ...fromBot };
  const q = (text: string | undefined, parse: (t: string) => number, what: string) => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch {
      throw new InputError(`invalid ${what} "${text}"`);
    }
  };
  const cpuTarget = num(o.cpuTarget, '--cpu-target');
  return {
    ...fromBot,
    ...defined({
      laborMinutesPerItem: num(o.laborMinutesPerItem, '--labor-minutes-per-item'),
      laborCostPerHour: num(o.laborCostPerHour, '--labor-cost-per-hour'),
      cpuSecondPrice: num(o.cpuSecondPrice, '--cpu-second-price'),
      setupCost: num(o.setupCost, '--setup-cost'),
      currency: o.currency,
      itemsPerDay: num(o.itemsPerDay, '--items-per-day'),
      replicaThroughput: num(o.replicaThroughput, '--replica-throughput'),
      memoryGiBHourPrice: num(o.memoryGibHourPrice, '--memory-gib-hour-price'),
      minReplicas: num(o.minReplicas, '--min-replicas'),
      targetCpuUtilization: cpuTarget === undefined ? undefined : cpuTarget / 100,
    }),
    worker: {
      cpuCores: q(o.workerCpu, cpuCores, '--worker-cpu') ?? base.worker.cpuCores,
      memoryGiB: q(o.workerMemory, memoryGiB, '--worker-memory') ?? base.worker.memoryGiB,
    },
    operator: {
      replicas: num(o.operatorReplicas, '--operator-replicas') ?? d.operator.replicas,
      cpuCores: q(o.operatorCpu, cpuCores, '--operator-cpu') ?? d.operator.cpuCores,
      memoryGiB: q(o.operatorMemory, memoryGiB, '--operator-memory') ?? d.operator.memoryGiB,
    },
    redis: {
      replicas: d.redis.replicas,
      cpuCores: q(o.redisCpu, cpuCores, '--redis-cpu') ?? d.redis.cpuCores,
      memoryGiB: q(o.redisMemory, memoryGiB, '--redis-memory') ?? d.redis.memoryGiB,
      monthlyCost: num(o.redisMonthlyCost, '--redis-monthly-cost') ?? d.redis.monthlyCost,
    },
  };
}

async function readLogEvents(files: readonly string[]): Promise<BatchLogEvent[]> {
  const events: BatchLogEvent[] = [];
  for (const file of files) {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      const event = parseBatchEvent(line, file);
      if (event) events.push(event);
    }
  }
  return events;
}

async function measure(o: RoiCliOptions): Promise<MeasuredFigures> {
  const replicas = num(o.replicas, '--replicas');
  const sources = [o.metricsUrl?.length, o.prometheus].filter(Boolean).length;
  if (sources > 1 || (sources === 0 && !o.logs?.length))
    throw new InputError('give one of --metrics-url, --prometheus or --logs');
  // Beside /metrics or Prometheus, logs add the raw batch durations to the latency chart.
  if (sources === 1 && o.logs?.length) {
    const figures = await measure({ ...o, logs: undefined });
    return { ...figures, samples: rawSamples(await readLogEvents(o.logs)) };
  }
  if (o.metricsUrl?.length) {
    const durationMs = duration(o.duration, '--duration');
    const urls = o.metricsUrl;
    const snapshots =
      durationMs === 0
        ? (await sampleWorkerMetrics(urls, { durationMs: 0, intervalMs: 1 })).slice(-1)
        : await sampleWorkerMetrics(urls, {
            durationMs,
            intervalMs: duration(o.interval, '--interval'),
            // Tells a caller starting load after the baseline sample when to start (stderr, not the report).
            onSnapshot: (n) => n === 1 && console.error(`first sample of ${urls.length} endpoint(s) taken`),
          });
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
    throw new InputError(
      '--logs needs --cpu-seconds-per-item (logs carry no CPU figures; measure it from /metrics)',
    );
  }
  const events = await readLogEvents(o.logs ?? []);
  return figuresFromLogs(events, {
    cpuSecondsPerItem,
    source: `logs: ${(o.logs ?? []).join(', ')}`,
    ...(replicas === undefined ? {} : { replicas }),
  });
}

/** The command's work without process concerns: measure, compute, render, write. */
export async function runRoi(o: RoiCliOptions): Promise<{ result: RoiResult; report: WrittenReport }> {
  const inputs = inputsFrom(o);
  const slo = o.bot ? readBotSections(o.bot).slo : undefined;
  const result = computeRoi(await measure(o), inputs);
  const rateLimit = num(o.rateLimit, '--rate-limit');
  const charts = await renderCharts(
    roiCharts(result, { ...(slo ? { slo } : {}), ...(rateLimit === undefined ? {} : { rateLimit }) }),
  );
  return { result, report: writeReport(o.out, result, charts, new Date()) };
}

export function roiCommand(): Command {
  return new Command('roi')
    .description(
      'ROI report: cost of what you pay for, labor saved, net savings, payback and projections at 10k-1M ' +
        'items/day, as Markdown and HTML with charts, from workers’ /metrics, Prometheus or JSON logs',
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
    .option('--range <duration>', 'Prometheus: the measurement window, up to now', '24h')
    .option('--step <duration>', 'Prometheus: timeline resolution (default range/60)')
    .option(
      '--logs <files...>',
      'worker JSON log files: the source, or beside --metrics-url/--prometheus the raw durations charted',
    )
    .option('--cpu-seconds-per-item <n>', 'with --logs: CPU seconds per item measured elsewhere')
    .option('--replicas <n>', 'worker replicas during the measurement (default: as measured)')
    .option('--bot <file>', "assumptions from an InventoryBot manifest's spec.roi (thresholds from spec.slo)")
    .option('--labor-minutes-per-item <n>', 'manual minutes one item saves (default 2)')
    .option('--labor-cost-per-hour <n>', 'cost of a labor hour (default 30)')
    .option('--cpu-second-price <n>', 'price of one CPU second (default 0.0000125)')
    .option('--setup-cost <n>', 'one-time setup cost to pay back (default 10000)')
    .option('--currency <code>', 'currency of the costs (default USD)')
    .option(
      '--items-per-day <n>',
      'daily volume (transactions/day); default: measured over a window of 1 h or more, else 10000',
    )
    .option('--replica-throughput <n>', 'items/s one worker sustains (default: measured peak per replica)')
    .option('--memory-gib-hour-price <n>', 'price of a requested GiB-hour of memory (default 0.005)')
    .option('--worker-cpu <quantity>', "a worker's CPU request (default: --bot's, else 100m)")
    .option('--worker-memory <quantity>', "a worker's memory request (default: --bot's, else 128Mi)")
    .option(
      '--min-replicas <n>',
      `fewest worker replicas (default: --bot's, else ${DEFAULT_INPUTS.minReplicas}, the plans' N+1)`,
    )
    .option('--cpu-target <percent>', "autoscaler CPU target (default: --bot's, else 70)")
    .option('--operator-replicas <n>', 'operator replicas (default 2)')
    .option('--operator-cpu <quantity>', 'CPU request of an operator pod (default 50m)')
    .option('--operator-memory <quantity>', 'memory request of an operator pod (default 96Mi)')
    .option('--redis-cpu <quantity>', 'CPU request of the Redis pod (default 100m; 0 for managed Redis)')
    .option('--redis-memory <quantity>', 'memory request of the Redis pod (default 256Mi)')
    .option('--redis-monthly-cost <n>', 'flat monthly price of a managed Redis (default 0)')
    .option(
      '--rate-limit <n>',
      'items/s limit drawn on the throughput chart (spec.upstream rateLimitPerSecond)',
    )
    .option('-o, --out <dir>', 'directory for roi-report.md, roi-report.html and charts/', 'roi-report')
    .option('-q, --quiet', 'do not print the Markdown report')
    .action(async (o: RoiCliOptions) => {
      const { report } = await runRoi(o);
      if (!o.quiet) console.log(report.markdown);
      console.error(`wrote ${report.files.join(', ')}`);
    });
}
