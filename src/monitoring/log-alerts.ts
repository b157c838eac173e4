// Alerting on the worker's JSON logs (batch_complete / batch_error events), with the thresholds of the
// Prometheus rules (spec.slo). Pure: lines in, figures and alerts out. `inventorybot alerts` does the I/O.
import { nextFailureRun } from '../contracts/failure-run.ts';
import {
  BATCH_ERROR_OUTCOMES,
  ITEM_ERROR_OUTCOMES,
  ITEM_OUTCOMES,
  type BatchOutcome,
  type ItemOutcome,
} from '../contracts/worker-metric-names.ts';
import type { BatchLogEvent } from '../contracts/log-line.ts';
import {
  ALERT_NAMES,
  DEFAULT_SLO,
  runbookAnchor,
  type AlertName,
  type SloThresholds,
} from './alert-rules.ts';

export interface TimeWindow {
  /** Inclusive, ms since the epoch. */
  since: number;
  /** Exclusive, ms since the epoch. */
  until: number;
}

/** Outcomes that mean the batch was not processed (left for redelivery, dead-lettered whole, malformed). */
export const ERROR_OUTCOMES: readonly BatchOutcome[] = BATCH_ERROR_OUTCOMES;

export interface LogStats {
  window: TimeWindow;
  batches: number;
  errorBatches: number;
  items: number;
  /** Failed and dead-lettered items (the Prometheus rule's numerator). */
  errorItems: number;
  retries: number;
  /** errorItems / items (0..1), the Prometheus rule's ratio. */
  errorRate: number;
  /** retries / items (0..1). */
  retryRate: number;
  p50: number;
  p95: number;
  p99: number;
  /** Longest run of failed or dead-lettered batches in one source (invalid messages neither add nor reset). */
  maxConsecutiveFailures: number;
  errorCodes: Record<string, number>;
  first?: number;
  last?: number;
}

/** The q-quantile of sorted values, linearly interpolated between closest ranks; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Items and error items of one batch event, counted like inventorybot_items_total and the error-rate rule:
 * failed + dead-lettered (a partial batch's dead-lettered items included) over all items. Lines without
 * item_outcomes (older workers): the whole batch counts by its outcome, an invalid message as one item.
 */
export function itemCounts(e: BatchLogEvent): { items: number; errors: number; applied: number } {
  if (e.itemOutcomes) {
    const n = (o: ItemOutcome) => e.itemOutcomes?.[o] ?? 0;
    return {
      items: ITEM_OUTCOMES.reduce((sum, o) => sum + n(o), 0),
      errors: ITEM_ERROR_OUTCOMES.reduce((sum, o) => sum + n(o), 0),
      applied: n('applied'),
    };
  }
  const weight = Math.max(1, e.items);
  const error = ERROR_OUTCOMES.includes(e.outcome);
  return { items: weight, errors: error ? weight : 0, applied: error ? 0 : e.items };
}

export function computeLogStats(events: readonly BatchLogEvent[], window: TimeWindow): LogStats {
  const inWindow = events.filter((e) => e.time >= window.since && e.time < window.until);
  let items = 0;
  let errorItems = 0;
  let retries = 0;
  let errorBatches = 0;
  const errorCodes: Record<string, number> = {};
  for (const e of inWindow) {
    const counted = itemCounts(e);
    items += counted.items;
    errorItems += counted.errors;
    retries += e.retries;
    if (ERROR_OUTCOMES.includes(e.outcome)) errorBatches++;
    if (e.errorCode) errorCodes[e.errorCode] = (errorCodes[e.errorCode] ?? 0) + 1;
  }
  const durations = inWindow.map((e) => e.duration).sort((a, b) => a - b);
  const bySource = new Map<string, BatchLogEvent[]>();
  for (const e of inWindow) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  let maxRun = 0;
  for (const list of bySource.values()) {
    let run = 0;
    for (const e of [...list].sort((a, b) => a.time - b.time)) {
      run = nextFailureRun(run, e.outcome);
      maxRun = Math.max(maxRun, run);
    }
  }
  const times = inWindow.map((e) => e.time);
  return {
    window,
    batches: inWindow.length,
    errorBatches,
    items,
    errorItems,
    retries,
    errorRate: items === 0 ? 0 : errorItems / items,
    retryRate: items === 0 ? 0 : retries / items,
    p50: quantile(durations, 0.5),
    p95: quantile(durations, 0.95),
    p99: quantile(durations, 0.99),
    maxConsecutiveFailures: maxRun,
    errorCodes,
    ...(times.length > 0 ? { first: Math.min(...times), last: Math.max(...times) } : {}),
  };
}

export interface LogAlert {
  alert: AlertName;
  severity: 'warning' | 'critical';
  /** Measured value, in the unit of the threshold (percent, seconds, batches). */
  value: number;
  threshold: number;
  summary: string;
  runbook: string;
}

export interface LogAlertOptions {
  slo?: Partial<SloThresholds>;
  /** Ratio and percentile alerts need at least this many batches in the window (default 10). */
  minBatches?: number;
}

export const DEFAULT_MIN_BATCHES = 10;

const pct = (v: number) => `${Number((v * 100).toFixed(2))}%`;
const secs = (v: number) => `${Number(v.toFixed(3))}s`;

/** The alerts the figures raise: error rate, retry rate, p95, p99 and consecutive failures. */
export function evaluateLogAlerts(stats: LogStats, options: LogAlertOptions = {}): LogAlert[] {
  const slo = { ...DEFAULT_SLO, ...options.slo };
  const enough = stats.batches >= (options.minBatches ?? DEFAULT_MIN_BATCHES);
  const alerts: LogAlert[] = [];
  const add = (
    alert: AlertName,
    severity: LogAlert['severity'],
    value: number,
    threshold: number,
    summary: string,
  ) => alerts.push({ alert, severity, value, threshold, summary, runbook: `#${runbookAnchor(alert)}` });
  if (enough && stats.errorRate * 100 > slo.errorRatePercent) {
    add(
      ALERT_NAMES.errorRate,
      'warning',
      stats.errorRate * 100,
      slo.errorRatePercent,
      `item error rate ${pct(stats.errorRate)} above ${slo.errorRatePercent}% (${stats.errorBatches} of ${stats.batches} batches failed)`,
    );
  }
  if (enough && stats.retryRate * 100 > slo.retryRatePercent) {
    add(
      ALERT_NAMES.retryRate,
      'warning',
      stats.retryRate * 100,
      slo.retryRatePercent,
      `retry rate ${pct(stats.retryRate)} above ${slo.retryRatePercent}% (${stats.retries} retries for ${stats.items} items)`,
    );
  }
  if (enough && stats.p95 > slo.batchP95Seconds) {
    add(
      ALERT_NAMES.latencyP95,
      'warning',
      stats.p95,
      slo.batchP95Seconds,
      `batch duration p95 ${secs(stats.p95)} above ${slo.batchP95Seconds}s`,
    );
  }
  if (enough && stats.p99 > slo.batchP99Seconds) {
    add(
      ALERT_NAMES.latencyP99,
      'warning',
      stats.p99,
      slo.batchP99Seconds,
      `batch duration p99 ${secs(stats.p99)} above ${slo.batchP99Seconds}s`,
    );
  }
  if (stats.maxConsecutiveFailures >= slo.consecutiveFailures) {
    add(
      ALERT_NAMES.consecutiveFailures,
      'critical',
      stats.maxConsecutiveFailures,
      slo.consecutiveFailures,
      `${stats.maxConsecutiveFailures} batches failed in a row (alert from ${slo.consecutiveFailures})`,
    );
  }
  return alerts;
}

/** One JSON line for the alerts log. */
export function alertLogLine(alert: LogAlert, window: TimeWindow, now: Date): string {
  return JSON.stringify({
    timestamp: now.toISOString(),
    event: 'alert',
    alert: alert.alert,
    severity: alert.severity,
    value: Number(alert.value.toPrecision(6)),
    threshold: alert.threshold,
    summary: alert.summary,
    window_start: new Date(window.since).toISOString(),
    window_end: new Date(window.until).toISOString(),
    runbook: alert.runbook,
  });
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "5m", "1.5h", "2d" → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : undefined;
}

export interface WindowSpec {
  /** ISO time or a duration before `until` ("15m"). */
  since?: string;
  /** ISO time, "now" (default) or "latest" (the newest event in the logs). */
  until?: string;
  /** Length when `since` is not given (default 5m). */
  window?: string;
}

/** Resolves --since/--until/--window against now and the newest event; throws on a bad value. */
export function resolveWindow(spec: WindowSpec, now: number, latestEvent: number | undefined): TimeWindow {
  const absolute = (text: string, what: string) => {
    const t = Date.parse(text);
    if (!Number.isFinite(t)) throw new Error(`invalid ${what} "${text}" (ISO time or a duration like 5m)`);
    return t;
  };
  const untilText = spec.until ?? 'now';
  const until =
    untilText === 'now'
      ? now
      : untilText === 'latest'
        ? (latestEvent ?? now) + 1
        : absolute(untilText, '--until');
  const length = parseDuration(spec.window ?? '5m');
  if (length === undefined) throw new Error(`invalid --window "${spec.window}" (e.g. 5m, 1h)`);
  if (spec.since === undefined) return { since: until - length, until };
  const relative = parseDuration(spec.since);
  const since = relative === undefined ? absolute(spec.since, '--since') : until - relative;
  if (since >= until) throw new Error('--since must be before --until');
  return { since, until };
}
