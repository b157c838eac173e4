import { computeLogStats } from '../../../src/monitoring/log-alerts.ts';
import { parseBatchEvent, type BatchLogEvent } from '../../../src/contracts/log-line.ts';
import { syntheticLogLines } from '../../../src/monitoring/synthetic-logs.ts';
import { ERROR_CODES } from '../../../src/contracts/error-codes.ts';
import { BATCH_OUTCOMES } from '../../../src/contracts/worker-metric-names.ts';

const start = new Date('2026-02-01T08:00:00Z');
const generate = (options: Parameters<typeof syntheticLogLines>[0]) => [...syntheticLogLines(options)];

describe('synthetic logs', () => {
  it('are reproducible: same seed and options, identical lines; another seed, other lines', () => {
    const a = generate({ start, seed: 42, count: 300, errorRate: 0.1 });
    const b = generate({ start, seed: 42, count: 300, errorRate: 0.1 });
    const c = generate({ start, seed: 43, count: 300, errorRate: 0.1 });
    expect(a).toEqual(b);
    expect(a.join('\n')).not.toBe(c.join('\n'));
    expect(a).toHaveLength(301);
  });

  it('use the worker’s event format: bot_start, then batch events with its fields', () => {
    const lines = generate({ start, seed: 1, count: 500, errorRate: 0.2 }).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    expect(lines[0]).toMatchObject({ event: 'bot_start', level: 'info', timestamp: start.toISOString() });
    for (const record of lines.slice(1)) {
      expect(Object.keys(record).slice(0, 3)).toEqual(['timestamp', 'level', 'event']);
      expect(record).toHaveProperty('batch_id');
      expect(record).toHaveProperty('warehouse');
      expect(record).toHaveProperty('duration');
      expect(record).toHaveProperty('attempts');
      expect(BATCH_OUTCOMES).toContain(record.outcome);
      const ok = record.outcome === 'success' || record.outcome === 'partial';
      expect(record.event).toBe(ok ? 'batch_complete' : 'batch_error');
      expect(record.level).toBe(ok ? 'info' : 'warn');
      if (record.outcome !== 'success') expect(ERROR_CODES).toContain(record.error_code);
      if (record.outcome === 'invalid') expect(record.items).toBe(0);
      else expect(record.items).toEqual(expect.any(Number));
    }
  });

  it('have batch sizes 50-150, increasing timestamps, several warehouses and the asked error rate', () => {
    const events = generate({ start, seed: 9, count: 4000, errorRate: 0.1 })
      .map((l) => parseBatchEvent(l))
      .filter((e): e is BatchLogEvent => e !== undefined);
    expect(events).toHaveLength(4000);
    const sized = events.filter((e) => e.outcome !== 'invalid');
    expect(Math.min(...sized.map((e) => e.items))).toBe(50);
    expect(Math.max(...sized.map((e) => e.items))).toBe(150);
    expect(events.every((e, i) => i === 0 || e.time > (events[i - 1] as BatchLogEvent).time)).toBe(true);
    expect(new Set(events.map((e) => e.warehouse).filter(Boolean)).size).toBe(6);
    const errorShare = events.filter((e) => e.event === 'batch_error').length / events.length;
    expect(errorShare).toBeGreaterThan(0.085);
    expect(errorShare).toBeLessThan(0.115);
  });

  it('inject a run of failures with --burst', () => {
    const parse = (lines: string[]) =>
      lines.map((l) => parseBatchEvent(l)).filter((e): e is BatchLogEvent => e !== undefined);
    const window = { since: 0, until: Number.MAX_SAFE_INTEGER };
    const calm = computeLogStats(parse(generate({ start, seed: 3, count: 400, errorRate: 0 })), window);
    const burst = computeLogStats(
      parse(generate({ start, seed: 3, count: 400, errorRate: 0, burst: 7 })),
      window,
    );
    expect(calm.maxConsecutiveFailures).toBe(0);
    expect(burst.maxConsecutiveFailures).toBe(7);
  });
});
