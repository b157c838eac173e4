// `npm run bench [-- worker|operator] [--batches N] [--bots N] [--rounds N]`: runs the benchmarks, prints
// their tables and appends them to test/bench/RESULTS.md with the command, date and machine.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OPERATOR_BENCH_DEFAULTS, runOperatorBench, type OperatorBenchResult } from './operator-apply.ts';
import { formatNumber, formatRatio, markdownTable, ratio } from './stats.ts';
import { runWorkerBench, WORKER_BENCH_DEFAULTS, type WorkerBenchResult } from './worker-throughput.ts';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const BENCHMARKS = ['worker', 'operator'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: 'string' },
    bots: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || positionals.some((p) => !(BENCHMARKS as readonly string[]).includes(p))) {
  console.log(
    'usage: npm run bench [-- worker|operator ...] [--batches N (worker)] [--bots N (operator)] [--rounds N]',
  );
  process.exit(values.help ? 0 : 2);
}
const selected: Benchmark[] = positionals.length ? (positionals as Benchmark[]) : [...BENCHMARKS];
const count = (raw: string | undefined, fallback: number) => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${raw}`);
  return n;
};
const log = (line: string) => console.error(`[bench] ${line}`);
const mib = (bytes: number) => formatNumber(bytes / 2 ** 20, 1);

function workerSection(r: WorkerBenchResult): string {
  const { ours, reference: ref, options: o } = r;
  const rows = [
    [
      'InventoryBot worker',
      formatNumber(ours.itemsPerSecond),
      mib(ours.peakRssBytes),
      mib(ours.rssBytes),
      formatNumber(ours.cpuMsPer1000Items),
    ],
    [
      'reference: XREADGROUP → POST per item → XACK',
      formatNumber(ref.itemsPerSecond),
      mib(ref.peakRssBytes),
      mib(ref.rssBytes),
      formatNumber(ref.cpuMsPer1000Items),
    ],
    [
      'ratio (ours / reference)',
      formatRatio(ratio(ours.itemsPerSecond, ref.itemsPerSecond)),
      formatRatio(ratio(ours.peakRssBytes, ref.peakRssBytes)),
      formatRatio(ratio(ours.rssBytes, ref.rssBytes)),
      formatRatio(ratio(ours.cpuMsPer1000Items, ref.cpuMsPer1000Items)),
    ],
  ];
  const perRound = r.runs.map((run) => [
    String(run.round),
    run.variant,
    formatNumber(run.itemsPerSecond),
    mib(run.peakRssBytes),
    formatNumber(run.cpuSeconds, 2),
  ]);
  return [
    `### worker-throughput`,
    '',
    `${formatNumber(o.batches)} batches × ${o.itemsPerBatch} items per run, ${o.rounds} rounds per consumer ` +
      `(alternating, medians), concurrency ${o.concurrency.batches} batches × ${o.concurrency.itemsPerBatch} ` +
      `items, readCount ${o.readCount}; one redis-server, in-process simulator with 0 latency and 0 failures; ` +
      `each consumer in its own child process.`,
    '',
    markdownTable(['consumer', 'items/s', 'peak RSS MiB', 'RSS at end MiB', 'CPU ms / 1k items'], rows),
    '',
    markdownTable(['round', 'consumer', 'items/s', 'peak RSS MiB', 'CPU s'], perRound),
  ].join('\n');
}

function operatorSection(r: OperatorBenchResult): string {
  const { median: m, options: o, rounds } = r;
  const last = rounds[rounds.length - 1];
  const req = (c: { reads: number; watches: number; writes: number } | undefined) =>
    c ? `${c.reads} / ${c.watches} / ${c.writes}` : 'n/a';
  const rows = [
    [
      'cold start: objects applied / s',
      formatNumber(m.coldOurs, 1),
      formatNumber(m.coldReference, 1),
      formatRatio(ratio(m.coldOurs, m.coldReference)),
    ],
    [
      'cold start: requests (reads / watches / writes), last round',
      req(last?.cold.ours.requests),
      req(last?.cold.reference.requests),
      '',
    ],
    [
      'resync of every bot: seconds',
      formatNumber(m.resyncOursSeconds, 2),
      formatNumber(m.resyncReferenceSeconds, 2),
      formatRatio(ratio(m.resyncOursSeconds, m.resyncReferenceSeconds)),
    ],
    [
      'resync: requests (reads / watches / writes), last round',
      req(last?.resync.ours.requests),
      req(last?.resync.reference.requests),
      '',
    ],
    [
      'resync: objects changed (resourceVersion), last round',
      String(last?.resync.ours.changed ?? 'n/a'),
      String(last?.resync.reference.changed ?? 'n/a'),
      '',
    ],
  ];
  const perRound = rounds.map((x) => [
    String(x.round),
    formatNumber(x.cold.ours.objectsPerSecond, 1),
    formatNumber(x.cold.reference.objectsPerSecond, 1),
    formatNumber(x.resync.ours.seconds, 2),
    formatNumber(x.resync.reference.seconds, 2),
    `${x.resync.ours.requests.writes} / ${x.resync.reference.requests.writes}`,
    `${x.resync.ours.changed} / ${x.resync.reference.changed}`,
    x.settled ? 'yes' : 'no',
  ]);
  return [
    `### operator-apply`,
    '',
    `${o.bots} InventoryBots × ${r.objectsPerBot} owned objects, ${o.workers} operator workers = ${o.workers} ` +
      `reference lanes, ${o.rounds} rounds (alternating, medians), fresh namespaces per round; real local ` +
      `control plane. Ours: startOperator() until every bot has status.observedGeneration; reference: ` +
      `KubernetesObjectApi.patch (server-side apply) of the same desired objects.`,
    '',
    markdownTable(['measure', 'InventoryBot operator', 'reference: raw SSA', 'ratio'], rows),
    '',
    markdownTable(
      [
        'round',
        'cold ours obj/s',
        'cold ref obj/s',
        'resync ours s',
        'resync ref s',
        'resync writes ours / ref',
        'changed ours / ref',
        'settled',
      ],
      perRound,
    ),
  ].join('\n');
}

const sections: string[] = [];
for (const benchmark of selected) {
  const rounds = values.rounds === undefined ? undefined : count(values.rounds, 1);
  if (benchmark === 'worker') {
    const result = await runWorkerBench({
      ...WORKER_BENCH_DEFAULTS,
      batches: count(values.batches, WORKER_BENCH_DEFAULTS.batches),
      rounds: rounds ?? WORKER_BENCH_DEFAULTS.rounds,
      log,
    });
    sections.push(workerSection(result));
  } else {
    const result = await runOperatorBench({
      ...OPERATOR_BENCH_DEFAULTS,
      bots: count(values.bots, OPERATOR_BENCH_DEFAULTS.bots),
      rounds: rounds ?? OPERATOR_BENCH_DEFAULTS.rounds,
      log,
    });
    sections.push(operatorSection(result));
  }
  console.log(`\n${sections[sections.length - 1]}\n`);
}

const args = process.argv.slice(2).join(' ');
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
/** The commit measured, and the source files that differed from it (a shared working tree). */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' });
    // Porcelain lines are "XY path": trimming the output would eat a leading status space.
    const dirty = git('status', '--porcelain', '--', 'src', 'package.json')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return `${git('rev-parse', '--short', 'HEAD').trim()}${dirty.length ? ` + uncommitted changes in ${dirty.join(', ')}` : ''}`;
  } catch {
    return 'unknown';
  }
}

const header = [
  `## ${new Date().toISOString()}`,
  '',
  `Command: \`npm run bench${args ? ` -- ${args}` : ''}\`  `,
  `Machine: ${availableParallelism()} CPUs (${cpu}), ${formatNumber(totalmem() / 2 ** 30, 1)} GiB RAM, ` +
    `Node ${process.version}, ${process.platform}/${process.arch}  `,
  `Source: ${revision()}`,
].join('\n');
if (!existsSync(RESULTS)) {
  writeFileSync(
    RESULTS,
    '# Benchmark results\n\nAppended by `npm run bench` (test/bench/run.ts); newest last. Ratios are ours / ' +
      'reference, measured side by side in the same run.\n',
  );
}
appendFileSync(RESULTS, `\n${header}\n\n${sections.join('\n\n')}\n`);
log(`results appended to ${RESULTS}`);
