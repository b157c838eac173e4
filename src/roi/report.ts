// Renders an ROI result as Markdown and as a self-contained HTML page (inline SVG charts), and writes
// them with the charts' SVG and PNG files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAYS_PER_MONTH, type DayFigures, type RoiResult } from './arithmetic.ts';
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

/** Payback as months (and days under two months), "never" when there is no net saving. */
const payback = (p: DayFigures) =>
  !Number.isFinite(p.paybackDays)
    ? 'never'
    : p.paybackMonths >= 2
      ? `${dec(p.paybackMonths, 1)} months`
      : `${days(p.paybackDays)} (${dec(p.paybackMonths, 2)} months)`;

/** The report's sections, shared by the Markdown and the HTML rendering. */
export function reportSections(r: RoiResult): Section[] {
  const m = r.measured;
  const i = r.inputs;
  const w = r.workload;
  const c = i.currency;
  const money = (n: number) => fmtMoney(n, c);
  const pod = (f: { cpuCores: number; memoryGiB: number }) =>
    `${dec(f.cpuCores * 1000, 0)}m CPU, ${dec(f.memoryGiB * 1024, 0)} MiB`;
  const row = (label: string, p: DayFigures) => [
    label,
    dec(p.workerReplicas, 1),
    int(p.cpuSecondsPerDay),
    money(p.cost.total),
    dec(p.laborHoursSaved, 1),
    money(p.laborValue),
    money(p.netSavings),
    payback(p),
  ];
  const sections: Section[] = [];
  if (m) {
    sections.push({
      title: 'Measured',
      text:
        `Source: ${m.source}. Window: ${new Date(m.start).toISOString()} to ` +
        `${new Date(m.start + m.periodSeconds * 1000).toISOString()} (${dec(m.periodSeconds, 1)} s), ` +
        `${dec(m.replicas, 1)} worker replica(s) on average.`,
      table: {
        headers: ['figure', 'value'],
        align: ['left', 'right'],
        rows: [
          ['items processed (applied upstream)', int(m.itemsProcessed)],
          ['items failed or dead-lettered', int(m.itemsFailed)],
          ['batches (with an error outcome)', `${int(m.batches)} (${int(m.failedBatches)})`],
          ['retries (per processed item)', `${int(m.retries)} (${pct(r.retryOverhead)})`],
          ['throughput over the window', `${dec(r.throughputPerSecond, 2)} items/s`],
          ['CPU seconds used', dec(m.cpuSeconds, 3)],
          [
            'batch duration p50 / p95 / p99',
            `${secs(m.latency.p50)} / ${secs(m.latency.p95)} / ${secs(m.latency.p99)}`,
          ],
        ],
      },
    });
  }
  sections.push(
    {
      title: 'Workload the model runs on',
      table: {
        headers: ['figure', 'value', 'basis'],
        align: ['left', 'right', 'left'],
        rows: [
          ['items (transactions) per day', int(w.itemsPerDay), w.volumeBasis],
          [
            'CPU seconds per item',
            sig(w.cpuSecondsPerItem),
            m ? 'measured: CPU used ÷ items processed (retries and failed attempts included)' : 'given',
          ],
          [
            'items/s one worker replica sustains',
            Number.isFinite(w.replicaThroughput) ? dec(w.replicaThroughput, 2) : 'unknown',
            w.replicaThroughputBasis,
          ],
        ],
      },
    },
    {
      title: 'Assumptions',
      text: "Every input of the model: flags, the InventoryBot's spec (--bot), or the defaults shown.",
      table: {
        headers: ['assumption', 'value'],
        align: ['left', 'right'],
        rows: [
          ['labor minutes saved per item', dec(i.laborMinutesPerItem, 5)],
          ['labor cost per hour', money(i.laborCostPerHour)],
          ['setup cost (paid back)', money(i.setupCost)],
          [
            'price of a requested CPU core-hour',
            `${money(i.cpuSecondPrice * 3600)} (${money(i.cpuSecondPrice)}/CPU-s)`,
          ],
          ['price of a requested GiB-hour of memory', money(i.memoryGiBHourPrice)],
          ['worker requests per replica', pod(i.worker)],
          ['worker replicas at least (minReplicas)', String(i.minReplicas)],
          ['autoscaler CPU target (share of requests)', pct(i.targetCpuUtilization)],
          ['operator', `${i.operator.replicas} × ${pod(i.operator)}`],
          [
            'Redis',
            `${i.redis.replicas} × ${pod(i.redis)}${i.redis.monthlyCost > 0 ? ` + ${money(i.redis.monthlyCost)}/month` : ''}`,
          ],
          ['hours billed per day, days per month', `24, ${dec(DAYS_PER_MONTH, 4)}`],
        ],
      },
    },
    {
      title: 'Per day at the current volume',
      table: {
        headers: ['', 'per day', 'per item'],
        align: ['left', 'right', 'right'],
        rows: [
          [
            `workers (${dec(r.current.workerReplicas, 1)} replica(s) × 24 h × requests)`,
            money(r.current.cost.workers),
            money(r.current.cost.workers / r.current.itemsPerDay),
          ],
          [
            'operator',
            money(r.current.cost.operator),
            money(r.current.cost.operator / r.current.itemsPerDay),
          ],
          ['Redis', money(r.current.cost.redis), money(r.current.cost.redis / r.current.itemsPerDay)],
          ['total cost', money(r.current.cost.total), money(r.costPerItem)],
          [
            `labor saved (${dec(r.current.laborHoursSaved, 2)} h)`,
            money(r.current.laborValue),
            money(r.laborValuePerItem),
          ],
          ['net savings', money(r.current.netSavings), money(r.current.netSavings / r.current.itemsPerDay)],
        ],
      },
    },
    {
      title: 'Payback',
      text:
        `The setup cost of ${money(i.setupCost)} is paid back in ${payback(r.current)} at ` +
        `${volume(r.current.itemsPerDay)} items/day; ` +
        r.projections.map((p) => `${payback(p)} at ${volume(p.itemsPerDay)}/day`).join(', ') +
        '.' +
        (r.run
          ? ` The measured run itself saved ${dec(r.run.laborMinutesSaved, 0)} labor minutes (${money(r.run.laborValue)}).`
          : ''),
    },
    {
      title: 'Projections',
      text:
        'Worker replicas needed = max(minReplicas, ⌈items/s ÷ items/s per replica⌉, ⌈items/s × CPU-s per item ÷ ' +
        '(CPU request × autoscaler target)⌉); each is paid for 24 h a day, with the operator and Redis.',
      table: {
        headers: [
          'items/day',
          'worker replicas',
          'CPU s/day used',
          'cost/day',
          'labor hours saved/day',
          'labor value/day',
          'net savings/day',
          'payback',
        ],
        align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        rows: [
          row(`${volume(r.current.itemsPerDay)} (current)`, r.current),
          ...r.projections.map((p) => row(volume(p.itemsPerDay), p)),
        ],
      },
    },
    {
      title: 'Method',
      text:
        'Cost is what you pay for, not what the items consume: requested CPU × core-hour price + requested memory ' +
        '× GiB-hour price, × replicas × 24 h, for the workers, the operator and Redis (+ a managed Redis price). ' +
        'The CPU the items use (retries included) decides the replicas needed, within the requests. Labor value = ' +
        'items × labor minutes ÷ 60 × labor cost per hour. Net savings = labor value − cost. Payback = setup cost ÷ ' +
        `net savings per day; months of ${dec(DAYS_PER_MONTH, 4)} days.`,
    },
  );
  return sections;
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
