// Renders an ROI result as Markdown and as a self-contained HTML page (inline SVG charts), and writes
// them with the charts' SVG and PNG files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Projection, RoiResult } from './arithmetic.ts';
import { fmtMoney, type RenderedChart } from './charts.ts';

type Table = { headers: string[]; rows: string[][]; align?: Array<'left' | 'right'> };
interface Section {
  title: string;
  text?: string;
  table?: Table;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const dec = (n: number, digits = 2) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
    : '-';
const pct = (share: number) => `${dec(share * 100, 2)}%`;
const sig = (n: number) => (Number.isFinite(n) ? Number(n.toPrecision(3)).toString() : '-');
const secs = (n: number) => (Number.isFinite(n) ? `${sig(n)} s` : '-');
const days = (n: number) =>
  !Number.isFinite(n)
    ? 'never'
    : n < 1 / 24
      ? `${dec(n * 1440, 1)} minutes`
      : n < 1
        ? `${dec(n * 24, 1)} hours`
        : `${dec(n, 1)} day${dec(n, 1) === '1' ? '' : 's'}`;
const volume = (n: number) => (n >= 1e6 ? `${dec(n / 1e6, 2)}M` : n >= 1e3 ? `${dec(n / 1e3, 1)}k` : int(n));

/** The report's sections, shared by the Markdown and the HTML rendering. */
export function reportSections(r: RoiResult): Section[] {
  const m = r.measured;
  const a = r.assumptions;
  const c = a.currency;
  const money = (n: number) => fmtMoney(n, c);
  const projectionRow = (label: string, p: Projection) => [
    label,
    Number.isFinite(p.replicas) ? String(p.replicas) : '-',
    int(p.cpuSecondsPerDay),
    money(p.computeCostPerDay),
    dec(p.laborHoursSavedPerDay, 1),
    money(p.laborValuePerDay),
    money(p.netSavingsPerDay),
    days(p.paybackDays),
  ];
  return [
    {
      title: 'Measured',
      text: `Source: ${m.source}. Period: ${dec(m.periodSeconds, 1)} s with ${dec(m.replicas, 1)} worker replica(s).`,
      table: {
        headers: ['figure', 'value'],
        align: ['left', 'right'],
        rows: [
          ['items processed (applied upstream)', int(m.itemsProcessed)],
          ['items failed or dead-lettered', int(m.itemsFailed)],
          ['batches (with an error outcome)', `${int(m.batches)} (${int(m.failedBatches)})`],
          ['retries (per processed item)', `${int(m.retries)} (${pct(r.retryOverhead)})`],
          [
            'throughput',
            `${dec(r.throughputPerSecond, 1)} items/s (${dec(r.throughputPerReplica, 1)} per replica)`,
          ],
          ['CPU seconds used', dec(m.cpuSeconds, 3)],
          ['CPU seconds per upstream call', sig(r.cpuSecondsPerCall)],
          ['CPU seconds per item (retry overhead included)', sig(r.cpuSecondsPerItem)],
          [
            'batch duration p50 / p95 / p99',
            `${secs(m.latency.p50)} / ${secs(m.latency.p95)} / ${secs(m.latency.p99)}`,
          ],
        ],
      },
    },
    {
      title: 'Assumptions',
      text: "From the flags or the InventoryBot's spec.roi; defaults from the schema.",
      table: {
        headers: ['assumption', 'value'],
        align: ['left', 'right'],
        rows: [
          ['labor minutes saved per item', dec(a.laborMinutesPerItem, 2)],
          ['labor cost per hour', money(a.laborCostPerHour)],
          ['price of one CPU second', money(a.cpuSecondPrice)],
          ['setup cost', money(a.setupCost)],
        ],
      },
    },
    {
      title: 'Per item and for this run',
      table: {
        headers: ['', 'per item', 'this run'],
        align: ['left', 'right', 'right'],
        rows: [
          ['compute cost', money(r.costPerItem), money(r.run.computeCost)],
          [
            'labor saved',
            `${dec(a.laborMinutesPerItem, 2)} min = ${money(r.laborValuePerItem)}`,
            `${dec(r.run.laborMinutesSaved, 0)} min = ${money(r.run.laborValue)}`,
          ],
          ['net savings', money(r.netSavingsPerItem), money(r.run.netSavings)],
        ],
      },
    },
    {
      title: 'Payback',
      text:
        `The setup cost of ${money(a.setupCost)} is paid back after ${Number.isFinite(r.paybackItems) ? int(Math.ceil(r.paybackItems)) : 'no number of'} items: ` +
        `${days(r.measuredDaily.paybackDays)} at the measured rate (${volume(r.measuredDaily.itemsPerDay)} items/day), ` +
        r.projections.map((p) => `${days(p.paybackDays)} at ${volume(p.itemsPerDay)}/day`).join(', ') +
        '.',
    },
    {
      title: 'Projections',
      text:
        'Replicas needed at the measured per-replica throughput (the measurement load may not have saturated the ' +
        'workers, which makes this conservative). Compute cost counts the CPU the items use, not idle capacity.',
      table: {
        headers: [
          'items/day',
          'replicas',
          'CPU s/day',
          'compute cost/day',
          'labor hours saved/day',
          'labor value/day',
          'net savings/day',
          'payback',
        ],
        align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: [
          projectionRow(`${volume(r.measuredDaily.itemsPerDay)} (measured rate)`, r.measuredDaily),
          ...r.projections.map((p) => projectionRow(volume(p.itemsPerDay), p)),
        ],
      },
    },
    {
      title: 'Method',
      text:
        'cost per item = CPU seconds used ÷ items processed × CPU-second price; the CPU of retried calls and of ' +
        'failed batches is in the numerator, so retry overhead is included (per call × (1 + retries per item)). ' +
        'Labor value per item = labor minutes per item ÷ 60 × labor cost per hour. Net savings = labor value − ' +
        'compute cost. Payback = setup cost ÷ net savings per day. Replicas = ⌈items per day ÷ 86400 ÷ items/s ' +
        'per replica⌉.',
    },
  ];
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|');

export function renderMarkdown(
  r: RoiResult,
  charts: readonly { name: string; title: string }[],
  generated: Date,
): string {
  const out = [`# InventoryBot ROI report`, '', `Generated ${generated.toISOString()}.`, ''];
  for (const s of reportSections(r)) {
    out.push(`## ${s.title}`, '');
    if (s.text) out.push(s.text, '');
    if (s.table) {
      const { headers, rows, align } = s.table;
      out.push(`| ${headers.map(mdCell).join(' | ')} |`);
      out.push(`|${headers.map((_, i) => (align?.[i] === 'right' ? ' ---: ' : ' --- ')).join('|')}|`);
      for (const row of rows) out.push(`| ${row.map(mdCell).join(' | ')} |`);
      out.push('');
    }
  }
  if (charts.length > 0) {
    out.push('## Charts', '');
    for (const c of charts) out.push(`![${c.title}](charts/${c.name}.png)`, '');
  }
  return out.join('\n');
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderHtml(r: RoiResult, charts: readonly RenderedChart[], generated: Date): string {
  const sections = reportSections(r)
    .map((s) => {
      const table = s.table
        ? `<table><thead><tr>${s.table.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${s.table.rows
            .map(
              (row) =>
                `<tr>${row.map((cell, i) => `<td class="${s.table?.align?.[i] ?? 'left'}">${esc(cell)}</td>`).join('')}</tr>`,
            )
            .join('')}</tbody></table>`
        : '';
      return `<section><h2>${esc(s.title)}</h2>${s.text ? `<p>${esc(s.text)}</p>` : ''}${table}</section>`;
    })
    .join('\n');
  const figures = charts
    .map((c) => `<figure><div class="chart">${c.svg}</div><figcaption>${esc(c.title)}</figcaption></figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>InventoryBot ROI report</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #111827; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #e5e7eb; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.5rem 0; } th, td { padding: 0.35rem 0.8rem; border-bottom: 1px solid #e5e7eb; }
th { background: #f3f4f6; text-align: left; } td.right { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; } figcaption { color: #4b5563; font-size: 0.9rem; } .chart svg { max-width: 100%; height: auto; }
.muted { color: #6b7280; }
</style>
</head>
<body>
<h1>InventoryBot ROI report</h1>
<p class="muted">Generated ${esc(generated.toISOString())}.</p>
${sections}
<section><h2>Charts</h2>
${figures}
</section>
</body>
</html>
`;
}

export interface WrittenReport {
  markdown: string;
  html: string;
  files: string[];
}

/** Writes roi-report.md, roi-report.html and charts/<name>.{svg,png} into `dir`. */
export function writeReport(
  dir: string,
  r: RoiResult,
  charts: readonly RenderedChart[],
  generated: Date,
): WrittenReport {
  mkdirSync(join(dir, 'charts'), { recursive: true });
  const markdown = renderMarkdown(r, charts, generated);
  const html = renderHtml(r, charts, generated);
  const files: string[] = [];
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    files.push(path);
  };
  write('roi-report.md', markdown);
  write('roi-report.html', html);
  for (const c of charts) {
    write(join('charts', `${c.name}.svg`), c.svg);
    write(join('charts', `${c.name}.png`), c.png);
  }
  return { markdown, html, files };
}
