// The ROI model, pure (issue 17): per transaction (item) at a daily volume. Labor saved per item is an
// input; cost is what you pay for: requested CPU and memory × replica-hours of the workers, the operator and
// Redis (prices as inputs), not only the CPU seconds consumed. Payback = setup cost ÷ net savings per day.
// Projections at 10k/50k/100k/1M items/day with the worker replicas each volume needs.
import { resourcesSchema, roiSchema, scalingSchema, type InventoryBotSpec } from '../api/inventory-bot.ts';
import { cpuCores, memoryGiB } from './quantity.ts';

export type RoiAssumptions = InventoryBotSpec['roi'];

/** spec.roi defaults: 2 labor minutes per item, 30/h, 0.0000125 per CPU second, setup 10000, USD. */
export const DEFAULT_ROI: RoiAssumptions = roiSchema.parse({});

/** Daily volumes of the projection table (the 5x/10x/100x scaling tiers of a 10k/day start). */
export const PROJECTION_VOLUMES = [10_000, 50_000, 100_000, 1_000_000] as const;

/** The plans' "today" volume: used when no daily volume is given and the window is too short to measure one. */
export const DEFAULT_ITEMS_PER_DAY = 10_000;

/** A shorter window is a capacity run, not a day's traffic: its rate is not extrapolated to a daily volume. */
export const MIN_VOLUME_WINDOW_SECONDS = 3600;

export const SECONDS_PER_DAY = 86_400;
export const HOURS_PER_DAY = 24;
export const DAYS_PER_MONTH = 365.25 / 12;

/** Replicas and what each requests (the scheduler reserves it, the cloud bills it). */
export interface Footprint {
  replicas: number;
  cpuCores: number;
  memoryGiB: number;
}

/** Every input of the model besides the measurement. Report sections list each one. */
export interface RoiInputs extends RoiAssumptions {
  /** Price of one GiB of requested memory for one hour (the CPU price is cpuSecondPrice × 3600 per core-hour). */
  memoryGiBHourPrice: number;
  /** Requests of one worker replica (spec.resources.requests). */
  worker: { cpuCores: number; memoryGiB: number };
  /** spec.scaling.minReplicas: the autoscaler never goes below it, so it is paid for at any volume. */
  minReplicas: number;
  /** spec.scaling.targetCPUUtilizationPercentage / 100: the HPA adds replicas above it. */
  targetCpuUtilization: number;
  /** The operator Deployment (chart values: replicaCount, resources.requests). */
  operator: Footprint;
  /** Redis: its pod's requests, plus a flat monthly price for a managed Redis (0 when self-hosted). */
  redis: Footprint & { monthlyCost: number };
  /** Transactions per day, given explicitly; wins over the measured volume. */
  itemsPerDay?: number;
  /** Items per second one worker replica sustains, given (e.g. from `npm run bench`); wins over the measured one. */
  replicaThroughput?: number;
}

const workerDefaults = resourcesSchema.parse({}).requests;
const scalingDefaults = scalingSchema.parse({});

/**
 * Defaults: the schema's spec.roi, spec.resources and spec.scaling; memory at 0.005 per GiB-hour (the CPU price
 * 0.045 per core-hour and this are typical on-demand cloud prices); the chart's operator (2 × 50m/96Mi); a
 * self-hosted Redis pod requesting 100m/256Mi.
 */
export const DEFAULT_INPUTS: RoiInputs = {
  ...DEFAULT_ROI,
  memoryGiBHourPrice: 0.005,
  worker: { cpuCores: cpuCores(workerDefaults.cpu), memoryGiB: memoryGiB(workerDefaults.memory) },
  minReplicas: scalingDefaults.minReplicas,
  targetCpuUtilization: scalingDefaults.targetCPUUtilizationPercentage / 100,
  operator: { replicas: 2, cpuCores: 0.05, memoryGiB: 96 / 1024 },
  redis: { replicas: 1, cpuCores: 0.1, memoryGiB: 0.25, monthlyCost: 0 },
};

export interface TimelinePoint {
  /** Milliseconds since the epoch (end of the interval). */
  time: number;
  itemsPerSecond: number;
  /**
   * Upstream calls per second, where the source has them (worker /metrics, Prometheus; not logs): the
   * workers were busy in an interval that acknowledged no batch yet.
   */
  upstreamCallsPerSecond?: number;
  /** Failed + dead-lettered items, percent of items handled in the interval. */
  errorRatePercent: number;
  /** Retries per item, percent. */
  retryRatePercent: number;
  /** Batch duration percentiles over the interval, seconds (NaN without batches). */
  p50: number;
  p95: number;
  p99: number;
  /** Worker replicas up in the interval, when the source knows it per interval. */
  replicas?: number;
  /** Longest batch that ended in the interval, seconds (raw samples beyond the histogram's buckets). */
  max?: number;
}

/** What was measured, whatever the source (worker /metrics, Prometheus, logs). */
export interface MeasuredFigures {
  source: string;
  /** Start of the measurement window, ms since the epoch. */
  start: number;
  /** Wall-clock length of the measurement, seconds. */
  periodSeconds: number;
  /** Items applied to the upstream (each one saves the manual work). */
  itemsProcessed: number;
  /** Items that failed or were dead-lettered. */
  itemsFailed: number;
  batches: number;
  failedBatches: number;
  /** Upstream calls retried. */
  retries: number;
  /** CPU seconds the workers used over the period (retries and failures included). */
  cpuSeconds: number;
  /** Average worker replicas over the period. */
  replicas: number;
  latency: { p50: number; p95: number; p99: number };
  timeline: TimelinePoint[];
  /** Raw batch durations (from logs), drawn beside the histogram's percentiles. */
  samples?: Array<{ time: number; seconds: number }>;
}

/** Per-day figures at one volume. */
export interface DayFigures {
  itemsPerDay: number;
  /** Worker replicas paid for all day (measured average, or needed at this volume). */
  workerReplicas: number;
  /** CPU seconds the items consume (inside the requests paid for). */
  cpuSecondsPerDay: number;
  cost: { workers: number; operator: number; redis: number; total: number };
  laborHoursSaved: number;
  laborValue: number;
  netSavings: number;
  /** Until the setup cost is paid back; Infinity when the net saving is not positive. */
  paybackDays: number;
  paybackMonths: number;
}

/** How the workload figures the model runs on were obtained; the report prints each basis. */
export interface Workload {
  itemsPerDay: number;
  volumeBasis: string;
  /** CPU seconds per processed item, retries and failed attempts included. */
  cpuSecondsPerItem: number;
  /** Items/s one replica sustains; NaN when unknown (then only the CPU bound sizes the replicas). */
  replicaThroughput: number;
  replicaThroughputBasis: string;
  /** Replicas actually running at the measured volume; undefined: as many as the volume needs. */
  workerReplicas?: number;
}

export interface RoiResult {
  inputs: RoiInputs;
  measured?: MeasuredFigures;
  workload: Workload;
  /** Items processed per second over the measured period (0 without a measurement). */
  throughputPerSecond: number;
  /** Retries per processed item (the extra upstream calls). */
  retryOverhead: number;
  /** Labor value of one item = minutes ÷ 60 × labor cost per hour. */
  laborValuePerItem: number;
  /** Total cost per day ÷ items per day, at the current volume. */
  costPerItem: number;
  /** The measured run itself: what it saved and the CPU it used. */
  run?: { laborMinutesSaved: number; laborValue: number; cpuSeconds: number };
  /** At the current daily volume. */
  current: DayFigures;
  projections: DayFigures[];
}

const safeDiv = (a: number, b: number) => (b > 0 ? a / b : 0);

const podCostPerHour = (f: { cpuCores: number; memoryGiB: number }, inputs: RoiInputs) =>
  f.cpuCores * inputs.cpuSecondPrice * 3600 + f.memoryGiB * inputs.memoryGiBHourPrice;

/**
 * Worker replicas a volume needs: enough for the per-replica throughput and enough that the CPU the items use
 * stays under the autoscaler's target share of the requests, never fewer than minReplicas.
 */
export function replicasNeeded(
  itemsPerDay: number,
  workload: Pick<Workload, 'cpuSecondsPerItem' | 'replicaThroughput'>,
  inputs: RoiInputs,
): number {
  const perSecond = itemsPerDay / SECONDS_PER_DAY;
  const byThroughput = workload.replicaThroughput > 0 ? perSecond / workload.replicaThroughput : 0;
  const cpuBudget = inputs.worker.cpuCores * inputs.targetCpuUtilization;
  const byCpu = cpuBudget > 0 ? (perSecond * workload.cpuSecondsPerItem) / cpuBudget : 0;
  return Math.max(inputs.minReplicas, 1, Math.ceil(Math.max(byThroughput, byCpu) - 1e-9));
}

export function dayFigures(
  itemsPerDay: number,
  workload: Pick<Workload, 'cpuSecondsPerItem' | 'replicaThroughput'>,
  inputs: RoiInputs,
  workerReplicas = replicasNeeded(itemsPerDay, workload, inputs),
): DayFigures {
  const workers = workerReplicas * HOURS_PER_DAY * podCostPerHour(inputs.worker, inputs);
  const operator = inputs.operator.replicas * HOURS_PER_DAY * podCostPerHour(inputs.operator, inputs);
  const redis =
    inputs.redis.replicas * HOURS_PER_DAY * podCostPerHour(inputs.redis, inputs) +
    inputs.redis.monthlyCost / DAYS_PER_MONTH;
  const total = workers + operator + redis;
  const laborHoursSaved = (itemsPerDay * inputs.laborMinutesPerItem) / 60;
  const laborValue = laborHoursSaved * inputs.laborCostPerHour;
  const netSavings = laborValue - total;
  const paybackDays = netSavings > 0 ? inputs.setupCost / netSavings : Number.POSITIVE_INFINITY;
  return {
    itemsPerDay,
    workerReplicas,
    cpuSecondsPerDay: itemsPerDay * workload.cpuSecondsPerItem,
    cost: { workers, operator, redis, total },
    laborHoursSaved,
    laborValue,
    netSavings,
    paybackDays,
    paybackMonths: paybackDays / DAYS_PER_MONTH,
  };
}

export function withDefaults(inputs: Partial<RoiInputs> = {}): RoiInputs {
  return { ...DEFAULT_INPUTS, ...inputs };
}

/** The model on a workload described by hand (no measurement), e.g. a plan's sample. */
export function modelRoi(
  workload: Workload,
  inputsPartial: Partial<RoiInputs> = {},
  volumes: readonly number[] = PROJECTION_VOLUMES,
): RoiResult {
  const inputs = withDefaults(inputsPartial);
  const current = dayFigures(workload.itemsPerDay, workload, inputs, workload.workerReplicas);
  return {
    inputs,
    workload,
    throughputPerSecond: 0,
    retryOverhead: 0,
    laborValuePerItem: (inputs.laborMinutesPerItem / 60) * inputs.laborCostPerHour,
    costPerItem: safeDiv(current.cost.total, current.itemsPerDay),
    current,
    projections: volumes.map((v) => dayFigures(v, workload, inputs)),
  };
}

const hoursText = (seconds: number) =>
  seconds >= 3600 ? `${Number((seconds / 3600).toFixed(1))} h` : `${Number(seconds.toFixed(1))} s`;

/** Workload figures from a measurement, with the basis of each. */
export function workloadFrom(measured: MeasuredFigures, inputs: RoiInputs): Workload {
  const items = measured.itemsProcessed;
  const rate = safeDiv(items, measured.periodSeconds);
  const window = hoursText(measured.periodSeconds);
  let itemsPerDay: number;
  let volumeBasis: string;
  let workerReplicas: number | undefined;
  if (inputs.itemsPerDay !== undefined) {
    itemsPerDay = inputs.itemsPerDay;
    volumeBasis = 'given (--items-per-day)';
  } else if (measured.periodSeconds >= MIN_VOLUME_WINDOW_SECONDS) {
    itemsPerDay = rate * SECONDS_PER_DAY;
    volumeBasis = `measured: ${Math.round(items).toLocaleString('en-US')} items over the ${window} window, per 24 h`;
    workerReplicas = measured.replicas;
  } else {
    itemsPerDay = DEFAULT_ITEMS_PER_DAY;
    volumeBasis =
      `the plans' 10k/day baseline: the ${window} window is a capacity run, shorter than ` +
      `${MIN_VOLUME_WINDOW_SECONDS / 3600} h, and its rate is not a daily volume (give --items-per-day or a longer window)`;
  }
  // Rate per replica over the busy span (first to last interval that applied items, quiet intervals between
  // them included): a backlog drained in the window shows what a replica sustains. Items are counted when
  // their batch is acknowledged, so with many batches in hand (#12) they arrive in clumps: averaging only the
  // intervals that saw some would over-state the rate (seen: 1.4× the configured rate limit).
  const intervals = measured.timeline
    .map((p, i) => ({ p, seconds: (p.time - (measured.timeline[i - 1]?.time ?? measured.start)) / 1000 }))
    .filter(({ seconds }) => seconds > 0);
  // The span starts with the first upstream call where the source counts calls: a worker holding several
  // batches (#12) acknowledges its first one well after its first call, and a span starting at that
  // acknowledgement put a drain at 1.42× its rate limit (CI, 2026-11-30).
  const working = ({ p }: { p: TimelinePoint }) =>
    p.itemsPerSecond > 0 || (p.upstreamCallsPerSecond ?? 0) > 0;
  const first = intervals.findIndex(working);
  const last = intervals.findLastIndex(working);
  const busy = first < 0 ? [] : intervals.slice(first, last + 1);
  const busyReplicaSeconds = busy.reduce(
    (sum, b) => sum + b.seconds * (b.p.replicas ?? measured.replicas),
    0,
  );
  const busyItems = busy.reduce((sum, b) => sum + b.p.itemsPerSecond * b.seconds, 0);
  const average = safeDiv(rate, measured.replicas);
  const measuredThroughput = Math.max(safeDiv(busyItems, busyReplicaSeconds), average);
  const replicaThroughput = inputs.replicaThroughput ?? (measuredThroughput > 0 ? measuredThroughput : NaN);
  const replicaThroughputBasis =
    inputs.replicaThroughput !== undefined
      ? 'given (--replica-throughput)'
      : busy.length === 0
        ? 'measured: average rate per replica over the window (no per-interval figures)'
        : `measured: rate per replica over the busy span (${busy.length} of ${measured.timeline.length} intervals, ` +
          'first to last that called the upstream or applied items); if no worker was saturated this under-states capacity and over-counts replicas';
  return {
    itemsPerDay,
    volumeBasis,
    cpuSecondsPerItem: safeDiv(measured.cpuSeconds, items),
    replicaThroughput,
    replicaThroughputBasis,
    ...(workerReplicas === undefined ? {} : { workerReplicas }),
  };
}

export function computeRoi(
  measured: MeasuredFigures,
  inputsPartial: Partial<RoiInputs> = {},
  volumes: readonly number[] = PROJECTION_VOLUMES,
): RoiResult {
  const inputs = withDefaults(inputsPartial);
  const workload = workloadFrom(measured, inputs);
  const items = measured.itemsProcessed;
  const base = modelRoi(workload, inputs, volumes);
  return {
    ...base,
    measured,
    throughputPerSecond: safeDiv(items, measured.periodSeconds),
    retryOverhead: safeDiv(measured.retries, items),
    run: {
      laborMinutesSaved: items * inputs.laborMinutesPerItem,
      laborValue: items * base.laborValuePerItem,
      cpuSeconds: measured.cpuSeconds,
    },
  };
}
