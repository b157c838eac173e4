// `inventorybot alerts [files...]`: scans the workers' JSON logs (files, or stdin) over a time window,
// applies the SLO thresholds, prints the alerts, appends them to an alerts log, exits 1 when any fired.
import { appendFileSync, createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Command } from 'commander';
import type { SloThresholds } from '../../monitoring/alert-rules.ts';
import { readBotSections } from '../../monitoring/bot-file.ts';
import {
  alertLogLine,
  computeLogStats,
  DEFAULT_MIN_BATCHES,
  evaluateLogAlerts,
  resolveWindow,
  type LogAlert,
  type LogStats,
} from '../../monitoring/log-alerts.ts';
import { parseBatchEvent, type BatchLogEvent } from '../../contracts/log-line.ts';

interface AlertsCliOptions {
  since?: string;
  until: string;
  window: string;
  alertsLog: string | false;
  bot?: string;
  errorRate?: string;
  retryRate?: string;
  p95?: string;
  p99?: string;
  consecutiveFailures?: string;
  minBatches: string;
  json?: boolean;
}

export interface AlertsIo {
  stdin: Readable;
  out: (line: string) => void;
  now: () => Date;
}

const defaultIo: AlertsIo = {
  stdin: process.stdin,
  out: (line) => process.stdout.write(`${line}\n`),
  now: () => new Date(),
};

async function readEvents(source: string, stream: Readable, into: BatchLogEvent[]): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    const event = parseBatchEvent(line, source);
    if (event) into.push(event);
  }
}

function number(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid ${what} "${text}"`);
  return n;
}

function thresholds(o: AlertsCliOptions): Partial<SloThresholds> {
  const fromBot = o.bot ? readBotSections(o.bot).slo : {};
  const flags = {
    errorRatePercent: number(o.errorRate, '--error-rate'),
    retryRatePercent: number(o.retryRate, '--retry-rate'),
    batchP95Seconds: number(o.p95, '--p95'),
    batchP99Seconds: number(o.p99, '--p99'),
    consecutiveFailures: number(o.consecutiveFailures, '--consecutive-failures'),
  };
  return {
    ...fromBot,
    ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
  };
}

function describe(stats: LogStats): string {
  const f = (v: number, digits = 3) => (Number.isNaN(v) ? '-' : String(Number(v.toFixed(digits))));
  return [
    `window ${new Date(stats.window.since).toISOString()} .. ${new Date(stats.window.until).toISOString()}:`,
    `${stats.batches} batches, ${stats.items} items,`,
    `error rate ${f(stats.errorRate * 100, 2)}%, retry rate ${f(stats.retryRate * 100, 2)}%,`,
    `p50 ${f(stats.p50)}s p95 ${f(stats.p95)}s p99 ${f(stats.p99)}s,`,
    `longest failure run ${stats.maxConsecutiveFailures}`,
  ].join(' ');
}

/** The command's work, testable without a process: returns the exit code. */
export async function runAlerts(
  files: string[],
  o: AlertsCliOptions,
  io: AlertsIo = defaultIo,
): Promise<number> {
  const slo = thresholds(o);
  const events: BatchLogEvent[] = [];
  const inputs = files.length === 0 ? ['-'] : files;
  for (const file of inputs) {
    await readEvents(file === '-' ? 'stdin' : file, file === '-' ? io.stdin : createReadStream(file), events);
  }
  const latest = events.reduce<number | undefined>(
    (max, e) => (max === undefined || e.time > max ? e.time : max),
    undefined,
  );
  const window = resolveWindow(
    { since: o.since, until: o.until, window: o.window },
    io.now().getTime(),
    latest,
  );
  const stats = computeLogStats(events, window);
  const alerts: LogAlert[] = evaluateLogAlerts(stats, {
    slo,
    minBatches: number(o.minBatches, '--min-batches'),
  });
  const now = io.now();
  if (o.json) {
    io.out(JSON.stringify({ stats, alerts }));
  } else {
    io.out(describe(stats));
    if (stats.batches === 0) io.out('no batch events in the window (see --since/--until/--window)');
    for (const a of alerts) io.out(`ALERT ${a.alert} [${a.severity}] ${a.summary}`);
    if (alerts.length === 0) io.out('no alerts');
  }
  if (alerts.length > 0 && o.alertsLog !== false) {
    appendFileSync(o.alertsLog, alerts.map((a) => `${alertLogLine(a, window, now)}\n`).join(''));
  }
  return alerts.length > 0 ? 1 : 0;
}

export function alertsCommand(): Command {
  return new Command('alerts')
    .description(
      'scan worker JSON logs (files, or stdin) over a time window and alert on error rate, retry rate, ' +
        'p95/p99 batch duration and consecutive failures; exits 1 when an alert fired',
    )
    .argument('[files...]', 'log files with one JSON event per line; none or "-" reads stdin')
    .option('--since <time>', 'window start: ISO time, or a duration before --until (e.g. 15m)')
    .option('--until <time>', 'window end: ISO time, "now", or "latest" (the newest event)', 'now')
    .option('--window <duration>', 'window length when --since is not given', '5m')
    .option('--alerts-log <path>', 'append fired alerts here, one JSON line each', 'inventorybot-alerts.log')
    .option('--no-alerts-log', 'do not append to an alerts log')
    .option('--bot <file>', "thresholds from an InventoryBot manifest's spec.slo")
    .option('--error-rate <percent>', `item error rate threshold (default ${'2'})`)
    .option('--retry-rate <percent>', 'retries per item threshold (default 7)')
    .option('--p95 <seconds>', 'batch duration p95 threshold (default 0.3)')
    .option('--p99 <seconds>', 'batch duration p99 threshold (default 0.5)')
    .option('--consecutive-failures <n>', 'failed batches in a row that alert (default 5)')
    .option(
      '--min-batches <n>',
      'rate and latency alerts need this many batches',
      String(DEFAULT_MIN_BATCHES),
    )
    .option('--json', 'print figures and alerts as one JSON object')
    .action(async (files: string[], o: AlertsCliOptions) => {
      process.exitCode = await runAlerts(files, o);
    });
}
