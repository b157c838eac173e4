import { Readable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAlerts } from '../../../src/cli/commands/alerts.ts';
import { ALERT_NAMES } from '../../../src/monitoring/alert-rules.ts';
import {
  computeLogStats,
  evaluateLogAlerts,
  parseDuration,
  quantile,
  resolveWindow,
} from '../../../src/monitoring/log-alerts.ts';
import { formatLogLine, parseBatchEvent, type BatchLogEvent } from '../../../src/contracts/log-line.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A worker log line, made with the worker's own formatter. */
function line(secondsAfter: number, outcome: string, extra: Record<string, unknown> = {}): string {
  const ok = outcome === 'success' || outcome === 'partial';
  return formatLogLine(
    ok ? 'info' : 'warn',
    ok ? 'batch_complete' : 'batch_error',
    {
      batch_id: `b${secondsAfter}`,
      warehouse: 'WH-01',
      items: 100,
      duration: 0.1,
      outcome,
      attempts: 1,
      retries: 0,
      ...extra,
    },
    new Date(T0 + secondsAfter * 1000),
  );
}

const events = (lines: string[], source = 'a.log') =>
  lines.map((l) => parseBatchEvent(l, source)).filter((e): e is BatchLogEvent => e !== undefined);
const all = { since: T0 - 1, until: T0 + 3_600_000 };

describe('parseBatchEvent', () => {
  it('reads the worker’s batch events and skips everything else', () => {
    expect(
      parseBatchEvent(line(1, 'failed', { error_code: 'UPSTREAM_5XX', attempts: 3, retries: 12 })),
    ).toEqual({
      time: T0 + 1000,
      event: 'batch_error',
      batchId: 'b1',
      warehouse: 'WH-01',
      items: 100,
      duration: 0.1,
      outcome: 'failed',
      errorCode: 'UPSTREAM_5XX',
      attempts: 3,
      retries: 12,
      source: '-',
    });
    expect(
      parseBatchEvent(line(1, 'partial', { item_outcomes: { applied: 7, dead_lettered: 2, bogus: 1 } }))
        ?.itemOutcomes,
    ).toEqual({ applied: 7, deduplicated: 0, dead_lettered: 2, failed: 0 });
    expect(
      parseBatchEvent(formatLogLine('info', 'bot_start', { version: '0.1.0' }, new Date(T0))),
    ).toBeUndefined();
    expect(parseBatchEvent('not json at all')).toBeUndefined();
    expect(
      parseBatchEvent('{"event":"batch_complete","timestamp":"nope","outcome":"success"}'),
    ).toBeUndefined();
    expect(
      parseBatchEvent('{"event":"batch_complete","timestamp":"2026-01-01T00:00:00Z","outcome":"weird"}'),
    ).toBeUndefined();
    expect(parseBatchEvent('{"event": "batch_compl')).toBeUndefined();
  });

  it('counts redeliveries as retries on lines without a retries field', () => {
    const l =
      '{"timestamp":"2026-01-01T00:00:00Z","event":"batch_error","items":10,"outcome":"failed","attempts":4}';
    expect(parseBatchEvent(l)?.retries).toBe(3);
  });
});

describe('computeLogStats', () => {
  it('counts items by their logged outcomes, as inventorybot_items_total and the error-rate rule do', () => {
    // A partial batch: 95 applied, 5 dead-lettered; a failed one: 60 applied, 40 failed; a batch dead-lettered
    // whole (max deliveries): 100; a malformed message: no items. Errors: 5 + 40 + 100 of 300 items.
    const lines = [
      line(0, 'partial', { item_outcomes: { applied: 95, dead_lettered: 5 } }),
      line(1, 'failed', { item_outcomes: { applied: 60, failed: 40 } }),
      line(2, 'dead_lettered', { item_outcomes: { dead_lettered: 100 } }),
      line(3, 'invalid', { items: 0, item_outcomes: {} }),
    ];
    const stats = computeLogStats(events(lines), all);
    expect(stats.items).toBe(300);
    expect(stats.errorItems).toBe(145);
    expect(stats.errorRate).toBeCloseTo(145 / 300, 12);
    expect(stats.errorBatches).toBe(3);
    // Lines of older workers (no item_outcomes) still count, whole batches by outcome.
    const old = computeLogStats(events([line(0, 'success'), line(1, 'failed')]), all);
    expect([old.items, old.errorItems]).toEqual([200, 100]);
  });

  it('computes rates weighted by items, percentiles and the longest failure run (hand-computed)', () => {
    // 10 batches of 100 items: 8 success, 2 failed → 200/1000 = 20% error rate. Retries 5 × 10 = 50 → 5%.
    const lines = [
      ...Array.from({ length: 8 }, (_, i) => line(i, 'success', { retries: 5, duration: (i + 1) / 10 })),
      line(8, 'failed', { retries: 5, duration: 0.9 }),
      line(9, 'failed', { retries: 5, duration: 1.0 }),
    ];
    const stats = computeLogStats(events(lines), all);
    expect(stats.batches).toBe(10);
    expect(stats.items).toBe(1000);
    expect(stats.errorItems).toBe(200);
    expect(stats.errorRate).toBeCloseTo(0.2, 12);
    expect(stats.retryRate).toBeCloseTo(0.05, 12);
    // Durations 0.1..1.0: p50 at rank 4.5 → 0.55; p95 at rank 8.55 → 0.9 + 0.55 × 0.1 = 0.955.
    expect(stats.p50).toBeCloseTo(0.55, 12);
    expect(stats.p95).toBeCloseTo(0.955, 12);
    expect(stats.maxConsecutiveFailures).toBe(2);
  });

  it('only counts events inside the window (since inclusive, until exclusive)', () => {
    const stats = computeLogStats(events([line(0, 'success'), line(10, 'failed'), line(20, 'success')]), {
      since: T0 + 10_000,
      until: T0 + 20_000,
    });
    expect(stats.batches).toBe(1);
    expect(stats.errorRate).toBe(1);
  });

  it('counts failure runs per source and in time order; invalid messages neither add nor reset', () => {
    const a = events(
      [
        line(5, 'failed'),
        line(1, 'failed'),
        line(2, 'invalid', { items: 0 }),
        line(3, 'dead_lettered'),
        line(4, 'failed'),
      ],
      'a.log',
    );
    const b = events([line(1, 'failed'), line(2, 'success'), line(3, 'failed')], 'b.log');
    expect(computeLogStats([...a, ...b], all).maxConsecutiveFailures).toBe(4);
    expect(computeLogStats(b, all).maxConsecutiveFailures).toBe(1);
  });

  it('interpolates quantiles like numpy (linear between closest ranks)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('evaluateLogAlerts', () => {
  const healthy = Array.from({ length: 50 }, (_, i) => line(i, 'success', { retries: 2, duration: 0.05 }));

  it('stays silent on healthy figures', () => {
    expect(evaluateLogAlerts(computeLogStats(events(healthy), all))).toEqual([]);
  });

  it('fires each alert at the SLO thresholds, strictly above them', () => {
    // 49 ok + 1 failed = 2% error rate: not above 2%. 48 ok + 2 failed = 4%: fires.
    const at = [...healthy.slice(0, 49), line(60, 'failed')];
    expect(evaluateLogAlerts(computeLogStats(events(at), all)).map((a) => a.alert)).toEqual([]);
    const above = [...healthy.slice(0, 48), line(60, 'failed'), line(61, 'failed')];
    const alerts = evaluateLogAlerts(computeLogStats(events(above), all));
    expect(alerts.map((a) => a.alert)).toEqual([ALERT_NAMES.errorRate]);
    expect(alerts[0]?.value).toBeCloseTo(4, 10);
    expect(alerts[0]?.threshold).toBe(2);
  });

  it('fires retry rate, p95, p99 and consecutive failures', () => {
    const slow = Array.from({ length: 100 }, (_, i) =>
      line(i, 'success', { retries: 8, duration: i < 90 ? 0.1 : 0.6 }),
    );
    const run = Array.from({ length: 5 }, (_, i) => line(200 + i, 'failed', { retries: 0, duration: 0.1 }));
    const alerts = evaluateLogAlerts(computeLogStats(events([...slow, ...run]), all));
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        ALERT_NAMES.consecutiveFailures,
        ALERT_NAMES.errorRate,
        ALERT_NAMES.latencyP95,
        ALERT_NAMES.latencyP99,
        ALERT_NAMES.retryRate,
      ].sort(),
    );
  });

  it('takes thresholds from spec.slo and needs enough batches for ratio alerts', () => {
    const few = [line(1, 'success'), line(2, 'failed')];
    const stats = computeLogStats(events(few), all);
    expect(evaluateLogAlerts(stats)).toEqual([]);
    expect(evaluateLogAlerts(stats, { minBatches: 2 }).map((a) => a.alert)).toEqual([ALERT_NAMES.errorRate]);
    expect(evaluateLogAlerts(stats, { minBatches: 2, slo: { errorRatePercent: 60 } })).toEqual([]);
    const run = computeLogStats(events([line(1, 'failed'), line(2, 'failed')]), all);
    expect(evaluateLogAlerts(run, { slo: { consecutiveFailures: 2 } }).map((a) => a.alert)).toEqual([
      ALERT_NAMES.consecutiveFailures,
    ]);
  });
});

describe('time windows', () => {
  const now = Date.parse('2026-03-01T13:00:00Z');

  it('defaults to the last 5 minutes', () => {
    expect(resolveWindow({}, now, undefined)).toEqual({ since: now - 300_000, until: now });
  });

  it('accepts ISO times, durations, "latest" and a window length', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(
      resolveWindow({ since: '2026-03-01T12:00:00Z', until: '2026-03-01T12:30:00Z' }, now, undefined),
    ).toEqual({
      since: T0,
      until: T0 + 1_800_000,
    });
    expect(resolveWindow({ since: '15m' }, now, undefined)).toEqual({ since: now - 900_000, until: now });
    expect(resolveWindow({ until: 'latest', window: '1m' }, now, T0)).toEqual({
      since: T0 + 1 - 60_000,
      until: T0 + 1,
    });
    expect(() => resolveWindow({ since: 'yesterday' }, now, undefined)).toThrow(/--since/);
    expect(() => resolveWindow({ since: '2026-03-01T14:00:00Z' }, now, undefined)).toThrow(/before/);
  });
});

describe('runAlerts (the command without a process)', () => {
  const options = { until: 'latest', window: '1h', minBatches: '10' };

  it('reads stdin, prints the alerts, appends them to the alerts log and returns 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    try {
      const log = join(dir, 'alerts.log');
      writeFileSync(log, '{"existing":true}\n');
      const lines = [
        ...Array.from({ length: 20 }, (_, i) => line(i, 'success')),
        ...Array.from({ length: 6 }, (_, i) => line(30 + i, 'failed')),
      ];
      const out: string[] = [];
      const code = await runAlerts(
        [],
        { ...options, alertsLog: log },
        {
          stdin: Readable.from(lines.map((l) => `${l}\n`)),
          out: (l) => out.push(l),
          now: () => new Date(T0 + 7_200_000),
        },
      );
      expect(code).toBe(1);
      expect(out.join('\n')).toMatch(/26 batches, 2600 items/);
      expect(out.filter((l) => l.startsWith('ALERT ')).map((l) => l.split(' ')[1])).toEqual([
        ALERT_NAMES.errorRate,
        ALERT_NAMES.consecutiveFailures,
      ]);
      const logged = readFileSync(log, 'utf8').trim().split('\n');
      expect(logged[0]).toBe('{"existing":true}');
      expect(logged.slice(1).map((l) => (JSON.parse(l) as { alert: string }).alert)).toEqual([
        ALERT_NAMES.errorRate,
        ALERT_NAMES.consecutiveFailures,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns 0 and writes nothing when no alert fires', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    try {
      const file = join(dir, 'worker.log');
      writeFileSync(file, Array.from({ length: 20 }, (_, i) => `${line(i, 'success')}\n`).join(''));
      const out: string[] = [];
      const log = join(dir, 'alerts.log');
      const code = await runAlerts(
        [file],
        { ...options, alertsLog: log },
        {
          stdin: Readable.from([]),
          out: (l) => out.push(l),
          now: () => new Date(),
        },
      );
      expect(code).toBe(0);
      expect(out.at(-1)).toBe('no alerts');
      expect(() => readFileSync(log)).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
