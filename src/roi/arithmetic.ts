// The ROI arithmetic, pure: measured figures + assumptions (spec.roi) → cost per item, labor saved, net
// savings, payback, and projections at higher daily volumes with the replicas they need.
import { roiSchema, type InventoryBotSpec } from '../api/inventory-bot.ts';

export type RoiAssumptions = InventoryBotSpec['roi'];

/** spec.roi defaults: 2 labor minutes per item, 30/h, 0.0000125 per CPU second, setup 10000, USD. */
export const DEFAULT_ROI: RoiAssumptions = roiSchema.parse({});

/** Daily volumes of the projection table (the 5x/10x/100x scaling tiers of a 10k/day start). */
export const PROJECTION_VOLUMES = [10_000, 50_000, 100_000, 1_000_000] as const;

export const SECONDS_PER_DAY = 86_400;

export interface TimelinePoint {
  /** Milliseconds since the epoch (end of the interval). */
  time: number;
  itemsPerSecond: number;
  /** Failed + dead-lettered items, percent of items handled in the interval. */
  errorRatePercent: number;
  /** Retries per item, percent. */
  retryRatePercent: number;
  /** Batch duration percentiles over the interval, seconds (NaN without batches). */
  p50: number;
  p95: number;
  p99: number;
}

/** What was measured, whatever the source (worker /metrics, Prometheus, logs). */
export interface MeasuredFigures {
  source: string;
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
}

export interface Projection {
  itemsPerDay: number;
  /** Replicas at the measured per-replica throughput (at least 1). */
  replicas: number;
  cpuSecondsPerDay: number;
  computeCostPerDay: number;
  laborHoursSavedPerDay: number;
  laborValuePerDay: number;
  netSavingsPerDay: number;
  /** Days until the setup cost is paid back; Infinity when the net saving is not positive. */
  paybackDays: number;
}

export interface RoiResult {
  assumptions: RoiAssumptions;
  measured: MeasuredFigures;
  /** Items processed per second over the period. */
  throughputPerSecond: number;
  /** Items per second one replica handled. */
  throughputPerReplica: number;
  /** Retries per processed item (the extra upstream calls). */
  retryOverhead: number;
  /** CPU seconds per upstream call (first attempts plus retries). */
  cpuSecondsPerCall: number;
  /** CPU seconds per processed item = per call × (1 + retry overhead), failures' CPU included. */
  cpuSecondsPerItem: number;
  costPerItem: number;
  laborValuePerItem: number;
  netSavingsPerItem: number;
  /** Items to process before the setup cost is paid back. */
  paybackItems: number;
  /** The measured run itself. */
  run: {
    laborMinutesSaved: number;
    laborValue: number;
    computeCost: number;
    netSavings: number;
  };
  /** At the measured rate, run all day. */
  measuredDaily: Projection;
  projections: Projection[];
}

const safeDiv = (a: number, b: number) => (b > 0 ? a / b : 0);

export function project(
  itemsPerDay: number,
  perItem: { cpuSeconds: number; cost: number; laborValue: number },
  throughputPerReplica: number,
  assumptions: RoiAssumptions,
): Projection {
  const net = itemsPerDay * (perItem.laborValue - perItem.cost);
  return {
    itemsPerDay,
    replicas:
      throughputPerReplica > 0
        ? Math.max(1, Math.ceil(itemsPerDay / SECONDS_PER_DAY / throughputPerReplica))
        : Number.NaN,
    cpuSecondsPerDay: itemsPerDay * perItem.cpuSeconds,
    computeCostPerDay: itemsPerDay * perItem.cost,
    laborHoursSavedPerDay: (itemsPerDay * assumptions.laborMinutesPerItem) / 60,
    laborValuePerDay: itemsPerDay * perItem.laborValue,
    netSavingsPerDay: net,
    paybackDays: net > 0 ? assumptions.setupCost / net : Number.POSITIVE_INFINITY,
  };
}

export function computeRoi(
  measured: MeasuredFigures,
  assumptionsInput: Partial<RoiAssumptions> = {},
  volumes: readonly number[] = PROJECTION_VOLUMES,
): RoiResult {
  const assumptions: RoiAssumptions = { ...DEFAULT_ROI, ...assumptionsInput };
  const items = measured.itemsProcessed;
  const throughputPerSecond = safeDiv(items, measured.periodSeconds);
  const throughputPerReplica = safeDiv(throughputPerSecond, measured.replicas);
  const retryOverhead = safeDiv(measured.retries, items);
  const cpuSecondsPerCall = safeDiv(measured.cpuSeconds, items + measured.retries);
  const cpuSecondsPerItem = cpuSecondsPerCall * (1 + retryOverhead);
  const costPerItem = cpuSecondsPerItem * assumptions.cpuSecondPrice;
  const laborValuePerItem = (assumptions.laborMinutesPerItem / 60) * assumptions.laborCostPerHour;
  const netSavingsPerItem = laborValuePerItem - costPerItem;
  const perItem = { cpuSeconds: cpuSecondsPerItem, cost: costPerItem, laborValue: laborValuePerItem };
  return {
    assumptions,
    measured,
    throughputPerSecond,
    throughputPerReplica,
    retryOverhead,
    cpuSecondsPerCall,
    cpuSecondsPerItem,
    costPerItem,
    laborValuePerItem,
    netSavingsPerItem,
    paybackItems:
      netSavingsPerItem > 0 ? assumptions.setupCost / netSavingsPerItem : Number.POSITIVE_INFINITY,
    run: {
      laborMinutesSaved: items * assumptions.laborMinutesPerItem,
      laborValue: items * laborValuePerItem,
      computeCost: items * costPerItem,
      netSavings: items * netSavingsPerItem,
    },
    measuredDaily: project(throughputPerSecond * SECONDS_PER_DAY, perItem, throughputPerReplica, assumptions),
    projections: volumes.map((v) => project(v, perItem, throughputPerReplica, assumptions)),
  };
}
