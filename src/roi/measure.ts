// Readers of measured figures for the ROI report: snapshots of the workers' /metrics text, Prometheus'
// query API, or the workers' JSON logs. Each returns MeasuredFigures (src/roi/arithmetic.ts).
import { histogramQuantile, parseMetrics, sumOf, type Sample } from '../contracts/prom-text.ts';

import { ERROR_OUTCOMES, itemCounts, quantile } from '../monitoring/log-alerts.ts';
import { type BatchLogEvent } from '../contracts/log-line.ts';
import {
  BATCH_ERROR_OUTCOMES,
  ITEM_ERROR_OUTCOMES,
  METRICS,
  outcomeMatcher,
  PROCESS_METRICS,
} from '../contracts/worker-metric-names.ts';
import type { MeasuredFigures, TimelinePoint } from './arithmetic.ts';

const START_TIME = 'inventorybot_process_start_time_seconds';

// ---------------------------------------------------------------------------------------------------
// Worker /metrics snapshots

export interface MetricsSnapshot {
  /** Milliseconds since the epoch. */
  time: number;
  /** Samples of all workers; each worker's samples carry a `__worker` label so series stay apart. */
  samples: Sample[];
}

/** Parses one /metrics text per worker into one snapshot. */
export function snapshotFromTexts(
  texts: ReadonlyArray<{ worker: string; text: string }>,
  time: number,
): MetricsSnapshot {
  return {
    time,
    samples: texts.flatMap(({ worker, text }) =>
      parseMetrics(text).map((s) => ({ ...s, labels: { ...s.labels, __worker: worker } })),
    ),
  };
}

const seriesKey = (s: Sample) =>
  `${s.name}${JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)))}`;

/** Counter increase between two snapshots, per series; a series that went down restarted (like increase()). */
export function counterDelta(before: readonly Sample[], after: readonly Sample[]): Sample[] {
  const previous = new Map(before.map((s) => [seriesKey(s), s.value]));
  return after.map((s) => {
    const was = previous.get(seriesKey(s)) ?? 0;
    return { ...s, value: s.value >= was ? s.value - was : s.value };
  });
}

interface Totals {
  applied: number;
  failedItems: number;
  allItems: number;
  batches: number;
  failedBatches: number;
  retries: number;
  cpuSeconds: number;
  upstreamCalls: number;
}

function totalsOf(samples: readonly Sample[]): Totals {
  const items = (outcome?: string) => sumOf(samples, METRICS.itemsTotal, outcome ? { outcome } : {});
  const batches = (outcome?: string) => sumOf(samples, METRICS.batchesTotal, outcome ? { outcome } : {});
  return {
    applied: items('applied'),
    failedItems: items('failed') + items('dead_lettered'),
    allItems: items(),
    batches: batches(),
    failedBatches: ERROR_OUTCOMES.reduce((sum, o) => sum + batches(o), 0),
    retries: sumOf(samples, METRICS.retriesTotal),
    cpuSeconds: sumOf(samples, PROCESS_METRICS.cpuSecondsTotal),
    upstreamCalls: sumOf(samples, METRICS.upstreamRequestsTotal),
  };
}

const percent = (a: number, b: number) => (b > 0 ? (100 * a) / b : 0);

function latencyOf(samples: readonly Sample[]) {
  const q = (p: number) => histogramQuantile(samples, METRICS.batchDurationSeconds, p);
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/**
 * Figures from snapshots taken during a run: the increase from the first to the last snapshot, and a
 * timeline point per consecutive pair. With a single snapshot: everything since the workers started.
 */
export function figuresFromSnapshots(
  snapshots: readonly MetricsSnapshot[],
  options: { replicas: number; source: string },
): MeasuredFigures {
  const first = snapshots[0];
  const last = snapshots.at(-1);
  if (!first || !last) throw new Error('no metrics snapshot');
  let delta: Sample[];
  let periodSeconds: number;
  if (snapshots.length === 1) {
    delta = last.samples;
    const started = last.samples.filter((s) => s.name === START_TIME).map((s) => s.value);
    if (started.length === 0) throw new Error(`no ${START_TIME} in the metrics: cannot tell the period`);
    periodSeconds = last.time / 1000 - Math.min(...started);
  } else {
    delta = counterDelta(first.samples, last.samples);
    periodSeconds = (last.time - first.time) / 1000;
  }
  const totals = totalsOf(delta);
  const timeline: TimelinePoint[] = [];
  for (let i = 1; i < snapshots.length; i++) {
    const a = snapshots[i - 1] as MetricsSnapshot;
    const b = snapshots[i] as MetricsSnapshot;
    const seconds = (b.time - a.time) / 1000;
    if (seconds <= 0) continue;
    const d = counterDelta(a.samples, b.samples);
    const t = totalsOf(d);
    timeline.push({
      time: b.time,
      itemsPerSecond: t.applied / seconds,
      upstreamCallsPerSecond: t.upstreamCalls / seconds,
      errorRatePercent: percent(t.failedItems, t.allItems),
      retryRatePercent: percent(t.retries, t.allItems),
      ...latencyOf(d),
    });
  }
  return {
    source: options.source,
    start: last.time - periodSeconds * 1000,
    periodSeconds,
    itemsProcessed: totals.applied,
    itemsFailed: totals.failedItems,
    batches: totals.batches,
    failedBatches: totals.failedBatches,
    retries: totals.retries,
    cpuSeconds: totals.cpuSeconds,
    replicas: options.replicas,
    latency: latencyOf(delta),
    timeline,
  };
}

/** Scrapes the workers' /metrics every `intervalMs` for `durationMs` (at least twice). */
export async function sampleWorkerMetrics(
  urls: readonly string[],
  options: {
    durationMs: number;
    intervalMs: number;
    fetchImpl?: typeof fetch;
    until?: () => boolean;
    /** Called after each snapshot with how many there are. */
    onSnapshot?: (count: number) => void;
  },
): Promise<MetricsSnapshot[]> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const take = async () => {
    const texts = await Promise.all(
      urls.map(async (url) => {
        const response = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return { worker: url, text: await response.text() };
      }),
    );
    const snapshot = snapshotFromTexts(texts, Date.now());
    options.onSnapshot?.(snapshots.length + 1);
    return snapshot;
  };
  const snapshots: MetricsSnapshot[] = [];
  snapshots.push(await take());
  const deadline = Date.now() + options.durationMs;
  while (Date.now() < deadline && !(options.until?.() ?? false)) {
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs, Math.max(1, deadline - Date.now()))));
    snapshots.push(await take());
  }
  if (snapshots.length === 1) snapshots.push(await take());
  return snapshots;
}

// ---------------------------------------------------------------------------------------------------
// Prometheus query API

export interface PrometheusRange {
  /** Seconds since the epoch. */
  start: number;
  end: number;
  /** Seconds. */
  step: number;
}

interface PromVectorResult {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

async function promQuery(
  base: string,
  path: 'query' | 'query_range',
  params: Record<string, string>,
  fetchImpl: typeof fetch,
): Promise<PromVectorResult[]> {
  const url = `${base.replace(/\/$/, '')}/api/v1/${path}?${new URLSearchParams(params)}`;
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(20_000) });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: PromVectorResult[] };
  };
  if (body.status !== 'success')
    throw new Error(`Prometheus ${params.query}: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

export const MIN_RATE_WINDOW_SECONDS = 60;

/** The PromQL the Prometheus reader runs, exported for the live test and the docs. */
export function prometheusQueries(selector: string, rangeSeconds: number, stepSeconds: number) {
  const s = (metric: string, extra?: string) => `${metric}{${[selector, extra].filter(Boolean).join(',')}}`;
  const R = `${Math.round(rangeSeconds)}s`;
  // A rate needs two samples in its window: at least 4 × Prometheus' default 15 s scrape interval, as
  // Grafana's $__rate_interval does, however fine the step.
  const W = `${Math.max(MIN_RATE_WINDOW_SECONDS, Math.round(stepSeconds))}s`;
  const inc = (metric: string, extra?: string) => `sum(increase(${s(metric, extra)}[${R}]))`;
  const q = (p: number, window: string) =>
    `histogram_quantile(${p}, sum by (le) (increase(${s(`${METRICS.batchDurationSeconds}_bucket`)}[${window}])))`;
  const rate = (metric: string, extra?: string) => `sum(rate(${s(metric, extra)}[${W}]))`;
  return {
    totals: {
      itemsProcessed: inc(METRICS.itemsTotal, 'outcome="applied"'),
      itemsFailed: inc(METRICS.itemsTotal, outcomeMatcher(ITEM_ERROR_OUTCOMES)),
      batches: inc(METRICS.batchesTotal),
      failedBatches: inc(METRICS.batchesTotal, outcomeMatcher(BATCH_ERROR_OUTCOMES)),
      retries: inc(METRICS.retriesTotal),
      cpuSeconds: inc(PROCESS_METRICS.cpuSecondsTotal),
      replicas: `avg_over_time(count(${s('up')} == 1)[${R}:${W}])`,
      p50: q(0.5, R),
      p95: q(0.95, R),
      p99: q(0.99, R),
    },
    timeline: {
      itemsPerSecond: rate(METRICS.itemsTotal, 'outcome="applied"'),
      upstreamCallsPerSecond: rate(METRICS.upstreamRequestsTotal),
      errorRatePercent: `100 * ${rate(METRICS.itemsTotal, outcomeMatcher(ITEM_ERROR_OUTCOMES))} / ${rate(METRICS.itemsTotal)}`,
      retryRatePercent: `100 * ${rate(METRICS.retriesTotal)} / ${rate(METRICS.itemsTotal)}`,
      p50: q(0.5, W),
      p95: q(0.95, W),
      p99: q(0.99, W),
      replicas: `count(${s('up')} == 1)`,
    },
  };
}

export async function figuresFromPrometheus(
  base: string,
  selector: string,
  range: PrometheusRange,
  options: { replicas?: number; fetchImpl?: typeof fetch } = {},
): Promise<MeasuredFigures> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const seconds = range.end - range.start;
  if (seconds <= 0) throw new Error('empty Prometheus range');
  const queries = prometheusQueries(selector, seconds, range.step);
  const instant = async (query: string) => {
    const result = await promQuery(base, 'query', { query, time: String(range.end) }, fetchImpl);
    const value = result[0]?.value?.[1];
    return value === undefined ? Number.NaN : Number(value);
  };
  const t = queries.totals;
  const entries = await Promise.all(Object.entries(t).map(async ([k, q]) => [k, await instant(q)] as const));
  const v = Object.fromEntries(entries) as Record<keyof typeof t, number>;
  const zeroIfNaN = (n: number) => (Number.isNaN(n) ? 0 : n);

  const byTime = new Map<number, Partial<Record<keyof TimelinePoint, number>>>();
  await Promise.all(
    Object.entries(queries.timeline).map(async ([key, query]) => {
      const result = await promQuery(
        base,
        'query_range',
        { query, start: String(range.start), end: String(range.end), step: String(range.step) },
        fetchImpl,
      );
      for (const [ts, value] of result[0]?.values ?? []) {
        const point = byTime.get(ts) ?? {};
        point[key as keyof TimelinePoint] = Number(value);
        byTime.set(ts, point);
      }
    }),
  );
  const timeline: TimelinePoint[] = [...byTime]
    .sort(([a], [b]) => a - b)
    .map(([ts, p]) => ({
      time: ts * 1000,
      itemsPerSecond: p.itemsPerSecond ?? 0,
      ...(p.upstreamCallsPerSecond === undefined ? {} : { upstreamCallsPerSecond: p.upstreamCallsPerSecond }),
      errorRatePercent: zeroIfNaN(p.errorRatePercent ?? Number.NaN),
      retryRatePercent: zeroIfNaN(p.retryRatePercent ?? Number.NaN),
      p50: p.p50 ?? Number.NaN,
      p95: p.p95 ?? Number.NaN,
      p99: p.p99 ?? Number.NaN,
      ...(p.replicas === undefined ? {} : { replicas: p.replicas }),
    }));
  return {
    source: `Prometheus ${base} {${selector}}`,
    start: range.start * 1000,
    periodSeconds: seconds,
    itemsProcessed: zeroIfNaN(v.itemsProcessed),
    itemsFailed: zeroIfNaN(v.itemsFailed),
    batches: zeroIfNaN(v.batches),
    failedBatches: zeroIfNaN(v.failedBatches),
    retries: zeroIfNaN(v.retries),
    cpuSeconds: zeroIfNaN(v.cpuSeconds),
    replicas: options.replicas ?? (Number.isNaN(v.replicas) ? 1 : v.replicas),
    latency: { p50: v.p50, p95: v.p95, p99: v.p99 },
    timeline,
  };
}

// ---------------------------------------------------------------------------------------------------
// JSON logs

/**
 * Figures from batch events. Logs carry no CPU figure: pass the CPU seconds per item measured elsewhere.
 * Items count by their logged outcomes, as the metrics count them (itemCounts).
 */
export function figuresFromLogs(
  events: readonly BatchLogEvent[],
  options: { cpuSecondsPerItem: number; replicas?: number; source: string; buckets?: number },
): MeasuredFigures {
  if (events.length === 0) throw new Error('no batch events in the logs');
  const sorted = [...events].sort((a, b) => a.time - b.time);
  const first = (sorted[0] as BatchLogEvent).time - (sorted[0] as BatchLogEvent).duration * 1000;
  const last = (sorted.at(-1) as BatchLogEvent).time;
  const periodSeconds = Math.max(0.001, (last - first) / 1000);
  const sum = (list: readonly BatchLogEvent[], f: (e: BatchLogEvent) => number) =>
    list.reduce((acc, e) => acc + f(e), 0);
  const isError = (e: BatchLogEvent) => ERROR_OUTCOMES.includes(e.outcome);
  const processed = (list: readonly BatchLogEvent[]) => sum(list, (e) => itemCounts(e).applied);
  const failed = (list: readonly BatchLogEvent[]) => sum(list, (e) => itemCounts(e).errors);
  const latency = (list: readonly BatchLogEvent[]) => {
    const d = list.map((e) => e.duration).sort((a, b) => a - b);
    return { p50: quantile(d, 0.5), p95: quantile(d, 0.95), p99: quantile(d, 0.99) };
  };
  const buckets = Math.max(1, options.buckets ?? 30);
  const width = (last - first) / buckets || 1;
  const timeline: TimelinePoint[] = [];
  for (let i = 0; i < buckets; i++) {
    const from = first + i * width;
    const to = i === buckets - 1 ? last + 1 : from + width;
    const slice = sorted.filter((e) => e.time >= from && e.time < to);
    const all = processed(slice) + failed(slice);
    timeline.push({
      time: to,
      itemsPerSecond: processed(slice) / (width / 1000),
      errorRatePercent: percent(failed(slice), all),
      retryRatePercent: percent(
        sum(slice, (e) => e.retries),
        all,
      ),
      ...latency(slice),
    });
  }
  const items = processed(sorted);
  const retries = sum(sorted, (e) => e.retries);
  return {
    source: options.source,
    start: first,
    periodSeconds,
    itemsProcessed: items,
    itemsFailed: failed(sorted),
    batches: sorted.length,
    failedBatches: sorted.filter(isError).length,
    retries,
    cpuSeconds: options.cpuSecondsPerItem * items,
    replicas: options.replicas ?? new Set(sorted.map((e) => e.source)).size,
    latency: latency(sorted),
    timeline,
    samples: rawSamples(sorted),
  };
}

/** Each batch's duration at its end time: the raw samples behind the percentiles. */
export function rawSamples(events: readonly BatchLogEvent[]): Array<{ time: number; seconds: number }> {
  return events.map((e) => ({ time: e.time, seconds: e.duration }));
}
