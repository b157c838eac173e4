import { computeRoi } from '../../../src/roi/arithmetic.ts';
import { renderCharts, roiCharts } from '../../../src/roi/charts.ts';
import {
  counterDelta,
  figuresFromLogs,
  figuresFromSnapshots,
  snapshotFromTexts,
} from '../../../src/roi/measure.ts';
import { renderHtml, renderMarkdown } from '../../../src/roi/report.ts';
import { parseBatchEvent, type BatchLogEvent } from '../../../src/contracts/log-line.ts';
import { syntheticLogLines } from '../../../src/monitoring/synthetic-logs.ts';

/** A worker's /metrics text with the figures the ROI reader uses. */
function metricsText(v: {
  applied: number;
  failed: number;
  retries: number;
  cpu: number;
  fast: number;
  slow: number;
}) {
  return [
    `inventorybot_items_total{outcome="applied"} ${v.applied}`,
    `inventorybot_items_total{outcome="failed"} ${v.failed}`,
    `inventorybot_items_total{outcome="dead_lettered"} 0`,
    `inventorybot_batches_total{outcome="success"} ${v.fast + v.slow}`,
    `inventorybot_batches_total{outcome="failed"} 0`,
    `inventorybot_retries_total ${v.retries}`,
    `inventorybot_process_cpu_seconds_total ${v.cpu}`,
    `inventorybot_process_start_time_seconds 1000`,
    `inventorybot_batch_duration_seconds_bucket{outcome="success",le="0.1"} ${v.fast}`,
    `inventorybot_batch_duration_seconds_bucket{outcome="success",le="0.5"} ${v.fast + v.slow}`,
    `inventorybot_batch_duration_seconds_bucket{outcome="success",le="+Inf"} ${v.fast + v.slow}`,
  ].join('\n');
}

describe('measured figures from worker /metrics snapshots', () => {
  it('takes the increase between snapshots, per worker, across a restart', () => {
    const before = snapshotFromTexts(
      [
        {
          worker: 'a',
          text: metricsText({ applied: 100, failed: 0, retries: 5, cpu: 2, fast: 10, slow: 0 }),
        },
      ],
      0,
    ).samples;
    const after = snapshotFromTexts(
      [
        {
          worker: 'a',
          text: metricsText({ applied: 40, failed: 1, retries: 1, cpu: 0.5, fast: 4, slow: 0 }),
        },
      ],
      0,
    ).samples;
    const d = counterDelta(before, after);
    // Went down: the worker restarted, the whole new value is the increase.
    expect(
      d.find((s) => s.name === 'inventorybot_items_total' && s.labels.outcome === 'applied')?.value,
    ).toBe(40);
  });

  it('adds workers, divides by the period and builds the timeline (hand-computed)', () => {
    const t0 = 1_700_000_000_000;
    const snap = (
      seconds: number,
      a: Parameters<typeof metricsText>[0],
      b: Parameters<typeof metricsText>[0],
    ) =>
      snapshotFromTexts(
        [
          { worker: 'w1', text: metricsText(a) },
          { worker: 'w2', text: metricsText(b) },
        ],
        t0 + seconds * 1000,
      );
    const zero = { applied: 0, failed: 0, retries: 0, cpu: 1, fast: 0, slow: 0 };
    const snapshots = [
      snap(0, zero, zero),
      snap(
        10,
        { applied: 500, failed: 10, retries: 20, cpu: 2, fast: 9, slow: 1 },
        { applied: 300, failed: 0, retries: 0, cpu: 1.5, fast: 5, slow: 0 },
      ),
      snap(
        20,
        { applied: 1000, failed: 10, retries: 40, cpu: 3, fast: 18, slow: 2 },
        { applied: 1000, failed: 0, retries: 0, cpu: 3, fast: 15, slow: 0 },
      ),
    ];
    const f = figuresFromSnapshots(snapshots, { replicas: 2, source: 'test' });
    expect(f.periodSeconds).toBe(20);
    expect(f.itemsProcessed).toBe(2000);
    expect(f.itemsFailed).toBe(10);
    expect(f.retries).toBe(40);
    // CPU: (3 - 1) + (3 - 1) = 4 s (the startup CPU before the first snapshot is not counted).
    expect(f.cpuSeconds).toBe(4);
    expect(f.batches).toBe(35);
    expect(f.timeline).toHaveLength(2);
    // First interval: 800 items in 10 s; 10 failed of 810; 20 retries of 810.
    expect(f.timeline[0]?.itemsPerSecond).toBe(80);
    expect(f.timeline[0]?.errorRatePercent).toBeCloseTo((100 * 10) / 810, 12);
    expect(f.timeline[0]?.retryRatePercent).toBeCloseTo((100 * 20) / 810, 12);
    // 15 batches in the first interval: 14 <= 0.1 s, 1 in (0.1, 0.5]: p50 = 0.1 × 7.5/14.
    expect(f.timeline[0]?.p50).toBeCloseTo((0.1 * 7.5) / 14, 12);
    const r = computeRoi(f);
    // Both intervals applied items: 2000 items in 20 s on 2 replicas = 50 per replica.
    expect(r.workload.replicaThroughput).toBe(50);
    expect(r.workload.cpuSecondsPerItem).toBeCloseTo(4 / 2000, 15);
  });

  it('with a single snapshot, counts everything since the workers started', () => {
    const snapshot = snapshotFromTexts(
      [{ worker: 'a', text: metricsText({ applied: 600, failed: 0, retries: 0, cpu: 3, fast: 6, slow: 0 }) }],
      1_060_000,
    );
    const f = figuresFromSnapshots([snapshot], { replicas: 1, source: 'test' });
    expect(f.periodSeconds).toBe(60);
    expect(f.itemsProcessed).toBe(600);
    expect(f.cpuSeconds).toBe(3);
  });
});

describe('measured figures from logs', () => {
  it('counts applied items as processed, by their logged outcomes, and uses the given CPU per item', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const events = [...syntheticLogLines({ start, seed: 2, count: 500, errorRate: 0.1 })]
      .map((l) => parseBatchEvent(l, 'w.log'))
      .filter((e): e is BatchLogEvent => e !== undefined);
    const ok = events.filter((e) => e.outcome === 'success' || e.outcome === 'partial');
    const f = figuresFromLogs(events, { cpuSecondsPerItem: 0.001, source: 'logs' });
    // Applied items as logged: a failed batch's applied items count, a partial batch's dead-lettered do not.
    const applied = events.reduce((s, e) => s + (e.itemOutcomes?.applied ?? 0), 0);
    expect(f.itemsProcessed).toBe(applied);
    expect(f.itemsFailed).toBe(
      events.reduce((s, e) => s + (e.itemOutcomes?.failed ?? 0) + (e.itemOutcomes?.dead_lettered ?? 0), 0),
    );
    expect(f.batches).toBe(500);
    expect(f.failedBatches).toBe(500 - ok.length);
    expect(f.cpuSeconds).toBeCloseTo(0.001 * f.itemsProcessed, 9);
    expect(f.replicas).toBe(1);
    expect(f.timeline).toHaveLength(30);
    const timelineItems = f.timeline.reduce((s, p, i) => {
      const prev =
        i === 0
          ? (events[0] as BatchLogEvent).time - (events[0] as BatchLogEvent).duration * 1000
          : (f.timeline[i - 1]?.time as number);
      return s + (p.itemsPerSecond * (p.time - prev)) / 1000;
    }, 0);
    expect(timelineItems).toBeCloseTo(f.itemsProcessed, -2);
  });
});

describe('report rendering', () => {
  const f = figuresFromSnapshots(
    [
      snapshotFromTexts(
        [{ worker: 'a', text: metricsText({ applied: 0, failed: 0, retries: 0, cpu: 1, fast: 0, slow: 0 }) }],
        0,
      ),
      snapshotFromTexts(
        [
          {
            worker: 'a',
            text: metricsText({ applied: 1234, failed: 5, retries: 7, cpu: 2, fast: 20, slow: 1 }),
          },
        ],
        10_000,
      ),
      snapshotFromTexts(
        [
          {
            worker: 'a',
            text: metricsText({ applied: 2468, failed: 6, retries: 9, cpu: 3, fast: 40, slow: 2 }),
          },
        ],
        20_000,
      ),
    ],
    { replicas: 1, source: 'unit test' },
  );
  const result = computeRoi(f);

  it('writes the figures into Markdown and a self-contained HTML page', async () => {
    const charts = await renderCharts(roiCharts(result));
    const md = renderMarkdown(result, charts, new Date(0));
    expect(md).toContain('| items processed (applied upstream) | 2,468 |');
    expect(md).toContain('Window: 1970-01-01T00:00:00.000Z to 1970-01-01T00:00:20.000Z (20 s)');
    expect(md).toContain(
      "| items (transactions) per day | 10,000 | the plans' 10k/day baseline: the 20 s window",
    );
    expect(md).toContain('| setup cost (paid back) | 10,000 USD |');
    expect(md).toContain('| price of a requested CPU core-hour | 0.045 USD (0.0000125 USD/CPU-s) |');
    expect(md).toContain('| operator | 2 × 50m CPU, 96 MiB |');
    // 10k/day × 2 min at 30/h = 10,000/day against 0.5145/day of requests (minReplicas 2 workers): 1 day.
    expect(md).toContain('| workers (2 replica(s) × 24 h × requests) | 0.246 USD |');
    expect(md).toContain('| total cost | 0.515 USD |');
    expect(md).toMatch(/paid back in 1 day \(0\.03 months\) at 10k items\/day/);
    expect(md).toContain('![Throughput over time](charts/throughput.png)');
    const html = renderHtml(result, charts, new Date(0));
    expect(html).toContain('<td class="right">2,468</td>');
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
    // Self-contained: nothing loaded from elsewhere.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('labels the currency axis with plain amounts, not SI prefixes (0.1, not 100m)', async () => {
    const [cost] = await renderCharts(roiCharts(result).filter((c) => c.name === 'cost-savings'));
    const labels = [...(cost?.svg ?? '').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['0.1', '1', '10', '100', '1,000']));
    expect(labels.filter((l) => /^[\d.]+[mkMµ]$/.test(l ?? ''))).toEqual([]);
  });

  it('marks percentiles in the histogram top bucket instead of flattening them silently', async () => {
    const capped = {
      ...result,
      measured: {
        ...f,
        timeline: f.timeline.map((p) => ({ ...p, p99: 30 })),
        samples: [{ time: 15_000, seconds: 42 }],
      },
    };
    const [latency] = await renderCharts(roiCharts(capped).filter((c) => c.name === 'latency'));
    expect(latency?.svg).toContain('top histogram bucket 30 s');
    expect(latency?.svg).toContain('grey dots: every batch (logs)');
    // The raw 42 s sample sets the scale: the axis reaches 50 s.
    expect(latency?.svg).toMatch(/>50<\/text>/);
  });

  it('renders four charts to SVG and PNG', async () => {
    const charts = await renderCharts(roiCharts(result));
    expect(charts.map((c) => c.name)).toEqual(['throughput', 'error-retry-rates', 'latency', 'cost-savings']);
    for (const c of charts) {
      expect(c.svg.startsWith('<svg')).toBe(true);
      expect(c.svg).toContain(c.title.split(' ')[0]);
      expect(c.png.subarray(1, 4).toString()).toBe('PNG');
      // Width from the IHDR chunk: rendered at twice the SVG size, wide enough to read.
      expect(c.png.readUInt32BE(16)).toBeGreaterThan(1200);
    }
  });
});
