// The ROI report's charts: vega-lite specs built from the result, rendered headless to SVG (vega View with
// renderer 'none') and to PNG with resvg.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { DEFAULT_SLO, type SloThresholds } from '../monitoring/alert-rules.ts';
import { BATCH_DURATION_BUCKETS } from '../contracts/worker-metric-names.ts';
import type { RoiResult } from './arithmetic.ts';

export interface Chart {
  /** File name stem, e.g. "throughput". */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

export interface RenderedChart extends Chart {
  svg: string;
  png: Buffer;
}

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const WIDTH = 640;
const HEIGHT = 260;

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 16,
  title: { fontSize: 17, fontWeight: 'bold' as const, anchor: 'start' as const, offset: 12 },
  axis: { labelFontSize: 13, titleFontSize: 14, titlePadding: 10, gridColor: '#e5e7eb', labelLimit: 0 },
  legend: {
    labelFontSize: 13,
    titleFontSize: 13,
    orient: 'bottom' as const,
    direction: 'horizontal' as const,
    labelLimit: 0,
  },
  view: { stroke: '#d1d5db' },
  line: { strokeWidth: 2.5 },
};

const base = (title: string, subtitle?: string | string[]) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: subtitle ? { text: title, subtitle, subtitleFontSize: 13, subtitleColor: '#4b5563' } : title,
  width: WIDTH,
  height: HEIGHT,
  config: CONFIG,
});

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea'];

const timeAxis = {
  field: 'time',
  type: 'temporal' as const,
  title: 'time',
  axis: { format: '%H:%M:%S', labelAngle: 0, tickCount: 6 },
};

/** Currency axis labels: 0.01, 0.1, 1, 1,000 (d3's SI "~s" shows 0.1 as "100m", read as millions: issue 17). */
export const CURRENCY_LABEL_EXPR =
  "datum.value < 1 ? format(datum.value, '.2~r') : format(datum.value, ',.0f')";

const TOP_BUCKET = BATCH_DURATION_BUCKETS.at(-1) as number;

/** A labelled horizontal threshold: a dashed rule and its text at the right end, in the series colour. */
function thresholdLayers(rules: Array<{ value: number; label: string; color: string }>) {
  const data = { values: rules };
  return [
    {
      data,
      mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2 },
      encoding: {
        y: { field: 'value', type: 'quantitative' },
        color: { field: 'color', type: 'nominal', scale: null },
      },
    },
    {
      data,
      mark: {
        type: 'text',
        align: 'right',
        baseline: 'bottom',
        dy: -3,
        x: WIDTH - 4,
        fontSize: 12,
        fontWeight: 'bold',
      },
      encoding: {
        y: { field: 'value', type: 'quantitative' },
        text: { field: 'label' },
        color: { field: 'color', type: 'nominal', scale: null },
      },
    },
  ];
}

/** 10^k from below the smallest positive value to above the largest. */
function decades(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return [];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => Number((10 ** (lo + i)).toPrecision(1)));
}

export interface ChartOptions {
  /** The bot's thresholds (spec.slo); defaults otherwise. */
  slo?: SloThresholds;
  /** Items/s the upstream allows (spec.upstream rateLimitPerSecond), drawn on the throughput chart. */
  rateLimit?: number;
}

/** Builds the four charts of the report. */
export function roiCharts(result: RoiResult, options: ChartOptions = {}): Chart[] {
  const slo = options.slo ?? DEFAULT_SLO;
  const measured = result.measured;
  const timeline = (measured?.timeline ?? []).map((p) => ({ ...p, time: new Date(p.time).toISOString() }));
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const currency = result.inputs.currency;
  const charts: Chart[] = [];

  if (measured) {
    // Unsmoothed: each interval's rate as a point on a straight-segment line, so plateaus such as a rate
    // limit stay flat and visible (issue 17).
    const throughput: TopLevelSpec = {
      ...base('Throughput over time', [
        'items applied per second: dots per interval, thick line their 5-interval mean',
        `${measured.replicas.toFixed(1)} worker replica(s); mean over the window ${result.throughputPerSecond.toFixed(1)}/s`,
      ]),
      layer: [
        {
          data: { values: timeline },
          mark: {
            type: 'line',
            color: '#93c5fd',
            strokeWidth: 1.5,
            point: { size: 28, filled: true, color: PALETTE[0] },
          },
          encoding: {
            x: timeAxis,
            y: { field: 'itemsPerSecond', type: 'quantitative', title: 'items / s', scale: { domainMin: 0 } },
          },
        },
        {
          // Items are counted when a batch is acknowledged, so single intervals jump; a centred 5-interval mean
          // shows the level (a rate limit as a plateau).
          data: { values: timeline },
          transform: [{ window: [{ op: 'mean', field: 'itemsPerSecond', as: 'mean' }], frame: [-2, 2] }],
          mark: { type: 'line', color: PALETTE[0], strokeWidth: 3 },
          encoding: { x: timeAxis, y: { field: 'mean', type: 'quantitative' } },
        },
        ...(options.rateLimit === undefined
          ? []
          : thresholdLayers([
              {
                value: options.rateLimit,
                label: `rate limit ${options.rateLimit}/s`,
                color: PALETTE[1] as string,
              },
            ])),
      ],
    } as TopLevelSpec;
    charts.push({ name: 'throughput', title: 'Throughput over time', spec: throughput });

    const rates = timeline.flatMap((p) => [
      { time: p.time, series: 'error rate %', value: p.errorRatePercent },
      { time: p.time, series: 'retry rate %', value: p.retryRatePercent },
    ]);
    const errorRetry: TopLevelSpec = {
      ...base('Error and retry rates', 'percent of items per interval; dashed: SLO thresholds'),
      layer: [
        {
          data: { values: rates },
          mark: { type: 'line', point: { size: 20, filled: true } },
          encoding: {
            x: timeAxis,
            y: { field: 'value', type: 'quantitative', title: 'percent of items' },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              scale: { domain: ['error rate %', 'retry rate %'], range: [PALETTE[1], PALETTE[3]] },
            },
          },
        },
        ...thresholdLayers([
          {
            value: slo.errorRatePercent,
            label: `error SLO ${slo.errorRatePercent}%`,
            color: PALETTE[1] as string,
          },
          {
            value: slo.retryRatePercent,
            label: `retry SLO ${slo.retryRatePercent}%`,
            color: PALETTE[3] as string,
          },
        ]),
      ],
    } as TopLevelSpec;
    charts.push({ name: 'error-retry-rates', title: 'Error and retry rates', spec: errorRetry });

    // Log scale: the SLO lines (0.3 s, 0.5 s) and slow outliers both stay readable. Percentiles that land in
    // the histogram's open top bucket read as its bound: they are drawn as hollow points and the bound as a
    // line, and the raw durations (from logs) as grey dots, so nothing is silently flattened.
    const latencies = timeline.flatMap((p) =>
      (['p50', 'p95', 'p99'] as const).map((q) => ({
        time: p.time,
        series: q,
        value: finite(p[q]) === null || (p[q] as number) <= 0 ? null : p[q],
        capped: p[q] >= TOP_BUCKET,
      })),
    );
    const samples = (measured.samples ?? [])
      .filter((s) => s.seconds > 0)
      .map((s) => ({ time: new Date(s.time).toISOString(), seconds: s.seconds }));
    const values = [
      ...latencies.map((l) => l.value ?? Number.NaN),
      ...samples.map((s) => s.seconds),
      slo.batchP95Seconds,
      slo.batchP99Seconds,
    ].filter((v) => Number.isFinite(v) && v > 0);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const domain = [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi * 1.2))];
    const latency: TopLevelSpec = {
      ...base('Batch duration percentiles', [
        'seconds from pick-up to acknowledge, log scale; dashed: SLOs',
        ...(samples.length > 0 ? ['grey dots: every batch (logs)'] : []),
        `hollow points: in the histogram's top bucket (> ${TOP_BUCKET} s), drawn at its bound`,
      ]),
      layer: [
        ...(samples.length > 0
          ? [
              {
                data: { values: samples },
                mark: { type: 'point', filled: true, size: 10, color: '#9ca3af', opacity: 0.6 },
                encoding: {
                  x: timeAxis,
                  y: { field: 'seconds', type: 'quantitative' },
                },
              },
            ]
          : []),
        {
          data: { values: latencies },
          mark: { type: 'line', point: { size: 24 } },
          encoding: {
            x: timeAxis,
            y: {
              field: 'value',
              type: 'quantitative',
              title: 'seconds (log)',
              scale: { type: 'log', domain },
              // 1-2-5 ticks: every label readable, none dropped for overlap.
              axis: {
                values: [-3, -2, -1, 0, 1, 2]
                  .flatMap((e) => [1, 2, 5].map((m) => Number((m * 10 ** e).toPrecision(1))))
                  .filter((v) => v >= (domain[0] as number) && v <= (domain[1] as number)),
                labelExpr: "format(datum.value, '~g')",
              },
            },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              scale: { domain: ['p50', 'p95', 'p99'], range: [PALETTE[2], PALETTE[0], PALETTE[1]] },
            },
          },
        },
        {
          data: { values: latencies.filter((l) => l.capped && l.value !== null) },
          mark: { type: 'point', filled: false, size: 90, strokeWidth: 2, color: '#111827' },
          encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative' } },
        },
        ...thresholdLayers([
          {
            value: slo.batchP95Seconds,
            label: `p95 SLO ${slo.batchP95Seconds} s`,
            color: PALETTE[0] as string,
          },
          {
            value: slo.batchP99Seconds,
            label: `p99 SLO ${slo.batchP99Seconds} s`,
            color: PALETTE[1] as string,
          },
          ...(hi >= TOP_BUCKET
            ? [{ value: TOP_BUCKET, label: `top histogram bucket ${TOP_BUCKET} s`, color: '#6b7280' }]
            : []),
        ]),
      ],
    } as TopLevelSpec;
    charts.push({ name: 'latency', title: 'Batch duration percentiles', spec: latency });
  }

  const volumeLabel = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  const SERIES = ['net savings', 'cost (requests × hours)'];
  const rows = [result.current, ...result.projections];
  const money = rows.flatMap((p, i) => {
    const volume = `${volumeLabel(Math.round(p.itemsPerDay))}/day${i === 0 ? ' (now)' : ''}, ${p.workerReplicas % 1 === 0 ? p.workerReplicas : p.workerReplicas.toFixed(1)} worker${p.workerReplicas === 1 ? '' : 's'}`;
    return [
      { volume, series: SERIES[0], value: p.netSavings, label: fmtMoney(p.netSavings, currency) },
      { volume, series: SERIES[1], value: p.cost.total, label: fmtMoney(p.cost.total, currency) },
    ];
  });
  const volumes = [...new Set(money.map((m) => m.volume))];
  const cost: TopLevelSpec = {
    ...base(`Cost and savings per day against volume (${currency})`, [
      `labor ${fmtMoney(result.laborValuePerItem, currency)}/item; cost = workers + operator + Redis requests × 24 h`,
      'net savings = labor value − cost; log scale',
    ]),
    data: { values: money.filter((m) => m.value > 0) },
    encoding: {
      x: {
        field: 'volume',
        type: 'ordinal',
        sort: volumes,
        title: 'items per day, worker replicas needed',
        axis: { labelAngle: 0, labelFontSize: 11 },
        scale: { padding: 0.4 },
      },
      y: {
        field: 'value',
        type: 'quantitative',
        scale: { type: 'log' },
        title: `${currency} per day (log scale)`,
        // Powers of ten only: a log axis with every 2-4-8 tick reads as clutter.
        axis: { labelExpr: CURRENCY_LABEL_EXPR, values: decades(money.map((m) => m.value)) },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: SERIES,
        scale: { domain: SERIES, range: [PALETTE[2], '#f59e0b'] },
      },
    },
    layer: [
      { mark: { type: 'line', point: { size: 70, filled: true } } },
      {
        mark: { type: 'text', dy: -14, fontSize: 12, fontWeight: 'bold' },
        encoding: { text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
  charts.push({ name: 'cost-savings', title: 'Cost and savings against volume', spec: cost });
  return charts;
}

export function fmtMoney(value: number, currency: string): string {
  const abs = Math.abs(value);
  const text =
    abs > 0 && abs < 1
      ? value.toLocaleString('en-US', { maximumSignificantDigits: 3, maximumFractionDigits: 20 })
      : value.toLocaleString('en-US', {
          minimumFractionDigits: abs >= 1000 || abs === 0 ? 0 : 2,
          maximumFractionDigits: abs >= 1000 ? 0 : 2,
        });
  return `${text} ${currency}`;
}

/** vega-lite → vega → SVG, without a browser or canvas. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG → PNG at twice the size, white background, system fonts (DejaVu Sans on Debian). */
export function renderPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}

export async function renderCharts(charts: readonly Chart[]): Promise<RenderedChart[]> {
  return Promise.all(
    charts.map(async (chart) => {
      const svg = await renderSvg(chart.spec);
      return { ...chart, svg, png: renderPng(svg) };
    }),
  );
}
