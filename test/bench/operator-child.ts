// The operator as the operator benchmark runs it (#14): in a process of its own, compiled to JS like
// the image (operator-process.ts compiles it), started as src/operator/main.ts starts it (startOperator,
// info-level logs to stdout), except that the metrics server binds 127.0.0.1 on a free port, the
// periodic status.queue refresh is off (the bench's resync is the only trigger) and the API requests
// are counted. Over the IPC channel: `start` starts it (the bench's clock runs from there), `resync`
// queues the bots it is given, as an informer resync does, `take` returns the requests counted since
// the last take, `memory` its memory usage now and at its highest sampled resident set (peak-memory.ts),
// and writes a heap snapshot when asked.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { createLogger, type LogLevel } from '../../src/contracts/logger.ts';
import { startOperator, type OperatorHandle } from '../../src/operator/start-operator.ts';
import { defaultKubeAccess } from '../../src/operator/kube/kube-access.ts';
import { samplePeakMemory, type MemoryAtPeak } from './peak-memory.ts';
import { RequestCounter } from './request-counter.ts';

export type ChildCommand =
  | { type: 'start' }
  | { type: 'resync'; keys: string[] }
  | { type: 'take' }
  | { type: 'memory'; heapSnapshot?: string };
export type ChildReport =
  | { type: 'loaded' }
  | { type: 'started'; metricsPort: number }
  | { type: 'resynced'; bots: number }
  | { type: 'requests'; counts: ReturnType<RequestCounter['take']> }
  | { type: 'memory'; usage: NodeJS.MemoryUsage; peak: MemoryAtPeak | undefined; heapSnapshot?: string }
  | { type: 'failed'; message: string };

const env = process.env;
const namespace = env.BENCH_NAMESPACE ?? '';
const counter = new RequestCounter();
// KUBECONFIG is set: loaded as the operator's main.ts loads it (defaultKubeAccess), requests counted.
const kubeConfig = counter.wrap(await defaultKubeAccess());
let handle: OperatorHandle | undefined;
const send = (report: ChildReport) => process.send?.(report);

// BENCH_CPU_PROFILE=dir (#14, diagnosis only): a CPU profile of the cold start, from `start` to the
// first `take` (which the bench sends once every bot is reconciled).
let profiler: Session | undefined;

async function handle_(command: ChildCommand): Promise<void> {
  if (command.type === 'start') {
    if (env.BENCH_CPU_PROFILE) {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    handle = await startOperator({
      kubeConfig,
      namespaces: [namespace],
      workers: Number(env.WORKERS ?? 4),
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      queueRefreshMs: 600_000,
      logger: createLogger({
        level: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
        base: { component: 'inventorybot-operator' },
      }),
    });
    send({ type: 'started', metricsPort: handle.metricsPort });
  } else if (command.type === 'resync') {
    const controller = handle?.controller();
    if (!controller) throw new Error('operator has no controller');
    for (const key of command.keys) controller.queue.add(key);
    send({ type: 'resynced', bots: command.keys.length });
  } else if (command.type === 'memory') {
    const heapSnapshot = command.heapSnapshot ? writeHeapSnapshot(command.heapSnapshot) : undefined;
    send({ type: 'memory', usage: process.memoryUsage(), peak: peakMemory(), heapSnapshot });
  } else {
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      writeFileSync(
        `${env.BENCH_CPU_PROFILE}/operator-cold-${Date.now()}.cpuprofile`,
        JSON.stringify(profile),
      );
      profiler.disconnect();
      profiler = undefined;
    }
    send({ type: 'requests', counts: counter.take() });
  }
}

process.on('message', (command: ChildCommand) => {
  handle_(command).catch((error: unknown) =>
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.once('SIGTERM', () => {
  process.disconnect?.();
  (handle?.stop() ?? Promise.resolve()).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
// BENCH_MEMORY_TRACE=1 (#14, diagnosis only): on every new peak of the resident set (1 MiB above the last
// line), one stderr line with where it is: V8 heap spaces, external memory, and the resident set by kind
// of mapping (/proc/self/smaps: malloc's main heap and its 64 MiB-aligned thread arenas, 8 MiB thread
// stacks, other anonymous memory, mostly V8's heap, and file-backed pages); and one line per full GC.
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
function smapsLine(): string {
  const sums = { brk: 0, arenas: 0, stacks: 0, otherAnon: 0, file: 0 };
  let start = 0;
  let size = 0;
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      start = parseInt(head[1] ?? '0', 16);
      size = parseInt(head[2] ?? '0', 16) - start;
      name = head[3] ?? '';
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (!rss) continue;
    const bytes = Number(rss[1]) * 1024;
    if (name === '[heap]') sums.brk += bytes;
    else if (name.startsWith('/')) sums.file += bytes;
    else if (name === '' && start % 2 ** 26 === 0 && size < 2 ** 26) sums.arenas += bytes;
    else if (name === '' && size === 2 ** 23) sums.stacks += bytes;
    else sums.otherAnon += bytes;
  }
  return Object.entries(sums)
    .map(([kind, bytes]) => `${kind} ${mib(bytes)}`)
    .join(', ');
}
let traced = 0;
if (env.BENCH_MEMORY_TRACE) {
  // Each full GC, with the resident set right after it: does a peak come with a mark-compact?
  const started = performance.now();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      console.error(
        `gc: major at +${((entry.startTime - started) / 1000).toFixed(2)} s, ${entry.duration.toFixed(0)} ms, ` +
          `rss after ${mib(process.memoryUsage.rss())}`,
      );
    }
  }).observe({ entryTypes: ['gc'] });
}
const peakMemory = samplePeakMemory(20, (peak) => {
  if (!env.BENCH_MEMORY_TRACE || peak.rssBytes < traced + 1048576) return;
  traced = peak.rssBytes;
  const spaces = getHeapSpaceStatistics()
    .filter((s) => s.space_size > 1048576)
    .map((s) => `${s.space_name.replace('_space', '')} ${mib(s.space_used_size)}/${mib(s.space_size)}`);
  console.error(
    `memory +${peak.atSeconds.toFixed(1)} s: rss ${mib(peak.rssBytes)}, heap ${mib(peak.heapUsedBytes)}/` +
      `${mib(peak.heapTotalBytes)} (${spaces.join(', ')}), external ${mib(peak.externalBytes)} | ${smapsLine()}`,
  );
});
send({ type: 'loaded' });
