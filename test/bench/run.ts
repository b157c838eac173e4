// `npm run bench [-- worker|spike|operator|operator-writes] [--batches N] [--bots N] [--writes N] [--rounds N]
// [--scenarios LIST] [--variants LIST]`: runs the benchmarks, prints their tables and appends them to test/bench/RESULTS.md with
// the command, date and machine. --scenarios and --variants pick worker scenarios and consumers (#12: an
// iteration on one scenario takes minutes, not the full run's ~12).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OPERATOR_BENCH_DEFAULTS, runOperatorBench, type OperatorBenchResult } from './operator-apply.ts';
import { runSpikeBench, SPIKE_BENCH_DEFAULTS, spikeSection } from './latency-spike.ts';
import {
  OPERATOR_WRITES_DEFAULTS,
  operatorWritesSection,
  runOperatorWritesBench,
} from './operator-writes.ts';
import { formatNumber, formatRatio, markdownTable, ratio } from './stats.ts';
import { DEFAULT_LATENCY } from '../../src/simulator/server.ts';
import {
  OUR_RETRY_LIMITS,
  runWorkerBench,
  tailSeconds,
  WORKER_BENCH_DEFAULTS,
  WORKER_NODE_ARGS,
  type WorkerBenchOptions,
  type WorkerBenchResult,
  type WorkerVariant,
} from './worker-throughput.ts';

const NO_LATENCY = { medianMs: 0, p95Ms: 0 };
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const BENCHMARKS = ['worker', 'spike', 'operator', 'operator-writes'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

// The plans' failure rates: none, and 20 % transient (the bare loop has no retries: only at 0 %). And the
// same two with the simulator's default latency (median 4 ms, p95 15 ms), where an upstream call waits
// rather than burns CPU (#12). Ids for --scenarios: the failure rate in %, `-latency` with latency.
type WorkerScenario = Pick<WorkerBenchOptions, 'failureRate' | 'variants' | 'latency'>;
const LATENCY = { medianMs: DEFAULT_LATENCY.medianMs, p95Ms: DEFAULT_LATENCY.p95Ms };
const WORKER_SCENARIOS: Record<string, WorkerScenario> = {
  '0': { failureRate: 0, variants: ['reference', 'inventorybot', 'bullmq-whole'], latency: NO_LATENCY },
  '20': {
    failureRate: 0.2,
    variants: ['inventorybot', 'bullmq-whole', 'bullmq-skip-done'],
    latency: NO_LATENCY,
  },
  '0-latency': { failureRate: 0, variants: ['reference', 'inventorybot', 'bullmq-whole'], latency: LATENCY },
  '20-latency': {
    failureRate: 0.2,
    variants: ['inventorybot', 'bullmq-whole', 'bullmq-skip-done'],
    latency: LATENCY,
  },
};
const WORKER_SCENARIO_IDS = Object.keys(WORKER_SCENARIOS);
const WORKER_SCENARIO_GROUPS: Record<string, string[]> = {
  all: WORKER_SCENARIO_IDS,
  latency: ['0-latency', '20-latency'],
  'no-latency': ['0', '20'],
};
const WORKER_VARIANTS: WorkerVariant[] = [
  'reference',
  'inventorybot',
  'bullmq-whole',
  'bullmq-skip-done',
  'bullmq-skip-done-25',
  'baseline',
];

/** The worker scenarios --scenarios names (default: all), each with the consumers --variants keeps. */
function pickScenarios(scenarios = 'all', variants?: string): WorkerScenario[] {
  const ids = scenarios.split(',').flatMap((id) => WORKER_SCENARIO_GROUPS[id] ?? [id]);
  const unknown = ids.filter((id) => !(id in WORKER_SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown worker scenario(s): ${unknown.join(', ')}`);
  const keep = variants?.split(',');
  const badVariant = keep?.find((v) => !(WORKER_VARIANTS as string[]).includes(v));
  if (badVariant !== undefined) throw new Error(`unknown worker variant: ${badVariant}`);
  const picked = [...new Set(ids)].flatMap((id) => {
    const scenario = WORKER_SCENARIOS[id] as WorkerScenario;
    // `baseline` (an A/B against another checkout, BENCH_BASELINE_REPO) runs only when named, and so does
    // BullMQ with our worker's retry limits where the scenario has failures to retry (#12).
    const offered: WorkerVariant[] = [
      ...scenario.variants,
      ...(scenario.variants.includes('bullmq-skip-done') ? (['bullmq-skip-done-25'] as const) : []),
      'baseline',
    ];
    const chosen = keep ? offered.filter((v) => keep.includes(v)) : scenario.variants;
    return chosen.length > 0 ? [{ ...scenario, variants: chosen }] : [];
  });
  // A consumer named but run by none of the scenarios is a mistake in the command, not a silent no-op.
  const unrun = keep?.find((v) => !picked.some((scenario) => (scenario.variants as string[]).includes(v)));
  if (unrun !== undefined)
    throw new Error(`worker variant ${unrun} runs in none of the scenarios: ${ids.join(', ')}`);
  return picked;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: 'string' },
    bots: { type: 'string' },
    writes: { type: 'string' },
    rounds: { type: 'string' },
    scenarios: { type: 'string' },
    variants: { type: 'string' },
    'hpa-sync-period': { type: 'string' },
    'reference-status': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || positionals.some((p) => !(BENCHMARKS as readonly string[]).includes(p))) {
  console.log(
    'usage: npm run bench [-- worker|spike|operator|operator-writes ...] [--batches N (worker)] [--bots N (operator)]\n' +
      '  [--writes N (operator-writes)] [--rounds N] [--hpa-sync-period 15s] [--reference-status] (operator; experiments, #14)\n' +
      `  worker only: [--scenarios ${Object.keys(WORKER_SCENARIO_GROUPS).join('|')}|id,...] (ids: ${WORKER_SCENARIO_IDS.join(', ')})\n` +
      `               [--variants ${WORKER_VARIANTS.join(',')}] (a subset of each scenario's consumers)`,
  );
  process.exit(values.help ? 0 : 2);
}
const selected: Benchmark[] = positionals.length ? (positionals as Benchmark[]) : [...BENCHMARKS];
// Checked before any benchmark runs: a typo fails now, not after the operator bench.
const workerScenarios = pickScenarios(values.scenarios, values.variants);
const count = (raw: string | undefined, fallback: number) => {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${raw}`);
  return n;
};
const log = (line: string) => console.error(`[bench] ${line}`);
const mib = (bytes: number) => formatNumber(bytes / 2 ** 20, 1);

const VARIANT_NAMES: Record<WorkerVariant, string> = {
  inventorybot: 'InventoryBot worker',
  reference: 'bare loop: XREADGROUP → POST per item → XACK',
  'bullmq-whole': 'BullMQ 6.7, retries the whole job',
  'bullmq-skip-done': 'BullMQ 6.7, retries skip items done',
  'bullmq-skip-done-25':
    `BullMQ 6.7, retries skip items done, ${OUR_RETRY_LIMITS.attempts} attempts, ` +
    `backoff at most ${OUR_RETRY_LIMITS.maxDelayMs / 1000} s (as ours)`,
  baseline: 'baseline: our worker from BENCH_BASELINE_REPO',
};

function workerSection(r: WorkerBenchResult): string {
  const { summaries, options: o } = r;
  const items = o.batches * o.itemsPerBatch * o.rounds;
  const rows = summaries.map((x) => [
    VARIANT_NAMES[x.variant],
    formatNumber(x.itemsPerSecond),
    formatNumber(x.cpuMsPer1000Items),
    formatNumber(x.startupCpuMs),
    formatNumber(x.simulatorCores, 2),
    mib(x.peakRssBytes),
    formatNumber(x.callsPerAppliedItem, 2),
    formatNumber(x.tailSeconds, 2),
    `${x.lostItems} / ${formatNumber(items)}`,
    String(x.appliedTwice),
    String(x.deadLetters),
  ]);
  const ours = summaries.find((x) => x.variant === 'inventorybot');
  const ratios = ours
    ? summaries
        .filter((x) => x !== ours)
        .map((x) => [
          `InventoryBot / ${VARIANT_NAMES[x.variant]}`,
          formatRatio(ratio(ours.itemsPerSecond, x.itemsPerSecond)),
          formatRatio(ratio(ours.cpuMsPer1000Items, x.cpuMsPer1000Items)),
          formatRatio(ratio(ours.startupCpuMs, x.startupCpuMs)),
          '',
          formatRatio(ratio(ours.peakRssBytes, x.peakRssBytes)),
          formatRatio(ratio(ours.callsPerAppliedItem, x.callsPerAppliedItem)),
          formatRatio(ratio(ours.tailSeconds, x.tailSeconds)),
          '',
          '',
          '',
        ])
    : [];
  const perRound = r.runs.map((run) => [
    String(run.round),
    run.variant,
    formatNumber(run.itemsPerSecond),
    mib(run.peakRssBytes),
    formatNumber(run.cpuSeconds, 2),
    formatNumber(run.startupCpuSeconds, 2),
    formatNumber(run.simulatorCores, 2),
    formatNumber(run.requests / Math.max(1, run.applied), 2),
    run.secondsTo99 === undefined ? 'never' : formatNumber(run.secondsTo99, 2),
    formatNumber(tailSeconds(run), 2),
    String(run.tailCalls),
  ]);
  return [
    `### worker-throughput, ${formatNumber(o.failureRate * 100)} % transient upstream failures, ` +
      (o.latency.medianMs > 0
        ? `upstream latency median ${o.latency.medianMs} ms, p95 ${o.latency.p95Ms} ms`
        : 'no upstream latency'),
    '',
    `${formatNumber(o.batches)} batches × ${o.itemsPerBatch} items per run, ${o.rounds} rounds per consumer ` +
      `(alternating order, medians), concurrency ${o.concurrency.batches} batches × ${o.concurrency.itemsPerBatch} ` +
      `items, readCount ${o.readCount}; one redis-server, in-process simulator ` +
      (o.latency.medianMs > 0
        ? `with log-normal latency (our worker's calls in flight capped at the references' ` +
          `${o.concurrency.batches * o.concurrency.itemsPerBatch}); `
        : 'with 0 latency; ') +
      `each consumer ` +
      `in its own child process. CPU per item counts the consumer's CPU from \`go\` to the end of the drain; ` +
      `its start-up is shown apart (paid once per process). Simulator cores: the bench process's CPU over ` +
      `the drain (near 1.0: the upstream's one core sets the pace). Drain tail: from the moment 99 % of the ` +
      `items were applied (the simulator's ledger, looked at every 10 ms) to the end of the drain: the ` +
      `longest retry chains waiting out their backoffs. BullMQ: one job per batch, 5 attempts, exponential ` +
      `backoff 100 ms with full jitter. ` +
      `Our worker: ${o.workerBuild === 'compiled' ? 'compiled with tsc like the image' : 'from source (strip-types)'}, ` +
      `\`node ${WORKER_NODE_ARGS.join(' ')}\` as \`inventorybot worker\` runs it outside a container.`,
    '',
    markdownTable(
      [
        'consumer',
        'items/s',
        'CPU ms / 1k items (drain)',
        'start-up CPU ms (once)',
        'simulator cores (drain)',
        'peak RSS MiB',
        'upstream calls / applied item',
        'drain tail s: 99 % applied → drained',
        'items lost (all rounds)',
        'applied twice',
        'dead letters / failed jobs',
      ],
      [...rows, ...ratios],
    ),
    '',
    markdownTable(
      [
        'round',
        'consumer',
        'items/s',
        'peak RSS MiB',
        'CPU s (drain)',
        'CPU s (start-up)',
        'simulator cores',
        'calls / item',
        's to 99 % applied',
        'tail s',
        'calls in the tail',
      ],
      perRound,
    ),
  ].join('\n');
}

function operatorSection(r: OperatorBenchResult): string {
  const { median: m, options: o, rounds } = r;
  const last = rounds[rounds.length - 1];
  const atPeak = rounds.reduce<(typeof rounds)[number] | undefined>(
    (max, x) => (max && max.oursPeakRssBytes >= x.oursPeakRssBytes ? max : x),
    undefined,
  )?.oursAtPeak;
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
      'operator process: peak RSS (VmHWM), MiB (max over rounds)',
      mib(Math.max(...rounds.map((x) => x.oursPeakRssBytes))),
      '',
      '',
    ],
    [
      'operator process at its highest sampled RSS (every 20 ms): V8 heap used / committed, external, file-backed, MiB (round of the peak)',
      atPeak
        ? `${mib(atPeak.heapUsedBytes)} / ${mib(atPeak.heapTotalBytes)}, ${mib(atPeak.externalBytes)}, ${mib(atPeak.rssFileBytes)} of ${mib(atPeak.rssBytes)}`
        : 'n/a',
      '',
      '',
    ],
    [
      'operator process: RSS idle after the resync, MiB (last round)',
      last ? mib(last.oursIdleRssBytes) : 'n/a',
      '',
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
      `reference lanes, ${o.rounds} rounds (alternating, medians), each side on a control plane of its own, started for it; real local ` +
      `control plane. Ours: the operator in its own process (compiled JS, as in the image) from start until ` +
      `a watch saw every bot's status.observedGeneration; reference: ` +
      `KubernetesObjectApi.patch (server-side apply) of the same desired objects, over one keep-alive ` +
      `connection pool like the operator's. The operator runs with the Node flags and env of deploy/.` +
      (r.runtime.nodeFlagsExperiment
        ? ` Experiment (#14): the operator with the Node flags ${r.runtime.nodeFlagsExperiment} instead of deploy/'s.`
        : '') +
      (o.hpaSyncPeriod
        ? ` Experiment (#14): kube-controller-manager on both sides with --horizontal-pod-autoscaler-sync-period=${o.hpaSyncPeriod} (the test control plane's is 5s).`
        : '') +
      (o.referenceStatus
        ? " Experiment (#14): the reference also server-side applies each bot's status after its children (the status the operator writes at a cold start, through the operator's Applier on the same connection pool), so both sides make the same 6 writes per bot; objects/s still counts the 5 children."
        : ''),
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
    const scenarios = workerScenarios;
    for (const scenario of scenarios) {
      const result = await runWorkerBench({
        ...WORKER_BENCH_DEFAULTS,
        ...scenario,
        batches: count(values.batches, WORKER_BENCH_DEFAULTS.batches),
        rounds: rounds ?? WORKER_BENCH_DEFAULTS.rounds,
        log,
      });
      sections.push(workerSection(result));
      if (scenario !== scenarios.at(-1)) console.log(`\n${sections[sections.length - 1]}\n`);
    }
  } else if (benchmark === 'spike') {
    const o = { ...SPIKE_BENCH_DEFAULTS, rounds: rounds ?? SPIKE_BENCH_DEFAULTS.rounds };
    sections.push(spikeSection(o, await runSpikeBench(o, log)));
  } else if (benchmark === 'operator-writes') {
    const o = {
      ...OPERATOR_WRITES_DEFAULTS,
      writes: count(values.writes, OPERATOR_WRITES_DEFAULTS.writes),
      rounds: rounds ?? OPERATOR_WRITES_DEFAULTS.rounds,
      log,
    };
    sections.push(operatorWritesSection(o, await runOperatorWritesBench(o)));
  } else {
    const result = await runOperatorBench({
      ...OPERATOR_BENCH_DEFAULTS,
      bots: count(values.bots, OPERATOR_BENCH_DEFAULTS.bots),
      rounds: rounds ?? OPERATOR_BENCH_DEFAULTS.rounds,
      ...(values['hpa-sync-period'] ? { hpaSyncPeriod: values['hpa-sync-period'] } : {}),
      ...(values['reference-status'] ? { referenceStatus: true } : {}),
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
