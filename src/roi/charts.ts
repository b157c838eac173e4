// The ROI report's charts: vega-lite specs built from the result, rendered headless to SVG (vega View with
// renderer 'none') and to PNG with resvg.
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { DEFAULT_SLO, type SloThresholds } from '../monitoring/alert-rules.ts';
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

/** Builds the four charts of the report. */
export function roiCharts(result: RoiResult, slo: SloThresholds = DEFAULT_SLO): Chart[] {
  const timeline = result.measured.timeline.map((p) => ({ ...p, time: new Date(p.time).toISOString() }));
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const currency = result.assumptions.currency;

  const throughput: TopLevelSpec = {
    ...base(
      'Throughput over time',
      `items applied per second, ${result.measured.replicas.toFixed(1)} worker replica(s); mean ${result.throughputPerSecond.toFixed(1)}/s`,
    ),
    data: { values: timeline },
    mark: { type: 'area', line: { color: PALETTE[0] }, color: '#bfdbfe', interpolate: 'monotone' },
    encoding: {
      x: timeAxis,
      y: { field: 'itemsPerSecond', type: 'quantitative', title: 'items / s' },
    },
  } as TopLevelSpec;

  const rates = timeline.flatMap((p) => [
    { time: p.time, series: 'error rate %', value: p.errorRatePercent },
    { time: p.time, series: 'retry rate %', value: p.retryRatePercent },
  ]);
  const rateRules = [
    { series: 'error rate %', value: slo.errorRatePercent },
    { series: 'retry rate %', value: slo.retryRatePercent },
  ];
  const seriesColor = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['error rate %', 'retry rate %'], range: [PALETTE[1], PALETTE[3]] },
  };
  const errorRetry: TopLevelSpec = {
    ...base(
      'Error and retry rates',
      `percent of items; dashed: SLO thresholds (error ${slo.errorRatePercent}%, retry ${slo.retryRatePercent}%)`,
    ),
    layer: [
      {
        data: { values: rates },
        mark: { type: 'line' },
        encoding: {
          x: timeAxis,
          y: { field: 'value', type: 'quantitative', title: 'percent of items' },
          color: seriesColor,
        },
      },
      {
        data: { values: rateRules },
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative' }, color: seriesColor },
      },
    ],
  } as TopLevelSpec;

  const latencies = timeline.flatMap((p) =>
    (['p50', 'p95', 'p99'] as const).map((q) => ({ time: p.time, series: q, value: finite(p[q]) })),
  );
  const latencyRules = [{ value: slo.batchP95Seconds }, { value: slo.batchP99Seconds }];
  const latency: TopLevelSpec = {
    ...base(
      'Batch duration percentiles',
      `seconds from pick-up to acknowledge; dashed: SLOs (p95 ${slo.batchP95Seconds} s, p99 ${slo.batchP99Seconds} s)`,
    ),
    layer: [
      {
        data: { values: latencies },
        mark: { type: 'line' },
        encoding: {
          x: timeAxis,
          y: { field: 'value', type: 'quantitative', title: 'seconds' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['p50', 'p95', 'p99'], range: [PALETTE[2], PALETTE[0], PALETTE[1]] },
          },
        },
      },
      {
        data: { values: latencyRules },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#6b7280', strokeWidth: 1.5 },
        encoding: { y: { field: 'value', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;

  const volumeLabel = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  const SERIES = ['net savings', 'compute cost'];
  const money = result.projections.flatMap((p) => {
    const volume = `${volumeLabel(p.itemsPerDay)}/day, ${p.replicas} replica${p.replicas === 1 ? '' : 's'}`;
    return [
      {
        volume,
        series: 'net savings',
        value: p.netSavingsPerDay,
        label: fmtMoney(p.netSavingsPerDay, currency),
      },
      {
        volume,
        series: 'compute cost',
        value: p.computeCostPerDay,
        label: fmtMoney(p.computeCostPerDay, currency),
      },
    ];
  });
  const volumes = [...new Set(money.map((m) => m.volume))];
  const x = {
    field: 'volume',
    type: 'ordinal' as const,
    sort: volumes,
    title: 'items per day, replicas needed',
    axis: { labelAngle: 0 },
    scale: { padding: 0.6 },
  };
  const y = {
    field: 'value',
    type: 'quantitative' as const,
    scale: { type: 'log' as const },
    title: `${currency} per day (log scale)`,
    axis: { format: '~s' },
  };
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    sort: SERIES,
    scale: { domain: SERIES, range: [PALETTE[2], '#f59e0b'] },
  };
  const positive = money.filter((m) => m.value > 0);
  const cost: TopLevelSpec = {
    ...base(`Cost and savings per day against volume (${currency})`, [
      `net savings = labor value (${fmtMoney(result.laborValuePerItem, currency)}/item) − compute cost (${fmtMoney(result.costPerItem, currency)}/item)`,
      `replicas needed at the measured ${result.throughputPerReplica.toFixed(1)} items/s per replica`,
    ]),
    data: { values: positive },
    encoding: { x, y, color },
    layer: [
      {
        mark: { type: 'line', point: { size: 70, filled: true } },
      },
      {
        transform: [{ filter: "datum.series === 'net savings'" }],
        mark: { type: 'text', dy: -14, fontSize: 12, fontWeight: 'bold' },
        encoding: { text: { field: 'label' } },
      },
      {
        transform: [{ filter: "datum.series === 'compute cost'" }],
        mark: { type: 'text', dy: -14, fontSize: 12, fontWeight: 'bold' },
        encoding: { text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;

  return [
    { name: 'throughput', title: 'Throughput over time', spec: throughput },
    { name: 'error-retry-rates', title: 'Error and retry rates', spec: errorRetry },
    { name: 'latency', title: 'Batch duration percentiles', spec: latency },
    { name: 'cost-savings', title: 'Cost and savings against volume', spec: cost },
  ];
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
