import { expectedItemKeys, syntheticBatches } from '../../../src/cli/workload.ts';
import { batchMessageSchema } from '../../../src/worker/message.ts';
import { parseRange } from '../../../src/cli/commands/enqueue.ts';
import { renderProgress } from '../../../src/cli/progress-bar.ts';
import { formatSummary } from '../../../src/cli/demo/summary.ts';

describe('synthetic workload', () => {
  const options = {
    batches: 50,
    warehouses: 3,
    minItems: 2,
    maxItems: 5,
    runId: 'r',
    now: () => new Date(0),
  };

  it('is valid, within bounds and repeatable for a seed', () => {
    const batches = [...syntheticBatches(options)];
    expect(batches).toHaveLength(50);
    for (const b of batches) {
      expect(batchMessageSchema.safeParse(b).success).toBe(true);
      expect(b.items.length).toBeGreaterThanOrEqual(2);
      expect(b.items.length).toBeLessThanOrEqual(5);
    }
    expect(new Set(batches.map((b) => b.warehouse)).size).toBeLessThanOrEqual(3);
    expect([...syntheticBatches(options)]).toEqual(batches);
    expect(new Set(expectedItemKeys(batches)).size).toBe(batches.reduce((n, b) => n + b.items.length, 0));
  });
});

describe('cli helpers', () => {
  it('parses batch size ranges', () => {
    expect(parseRange('5-20')).toEqual({ min: 5, max: 20 });
    expect(parseRange('8')).toEqual({ min: 8, max: 8 });
    expect(() => parseRange('9-2')).toThrow();
    expect(() => parseRange('x')).toThrow();
  });

  it('renders a progress bar', () => {
    expect(renderProgress('enqueue', 5, 10, 1000, 10)).toBe('enqueue    █████░░░░░  50% 5/10 (5/s)');
  });

  it('summarises the demo and fails the exactly-once check on a duplicate', () => {
    const figures = {
      workers: 3,
      batches: 10,
      items: 100,
      failureRate: 0.2,
      seconds: 2,
      batchOutcomes: { success: 10 },
      p50: 0.05,
      p95: 0.2,
      p99: 0.3,
      retries: 20,
      upstreamCalls: 120,
      upstreamErrors: 20,
      deadLetters: {},
      ledger: { applied: 100, duplicates: 0, replays: 3 },
      exactlyOnce: { expected: 100, deadLettered: 0, missing: 0, duplicated: 0, unexpected: 0 },
      cleanExits: 3,
    };
    expect(formatSummary(figures)).toContain('50 items/s');
    expect(formatSummary(figures)).toContain('exactly-once     PASS');
    expect(formatSummary({ ...figures, exactlyOnce: { ...figures.exactlyOnce, duplicated: 1 } })).toContain(
      'FAIL',
    );
  });
});
