import { AdaptiveLimit } from '../../../src/worker/adaptive-limit.ts';

// Feeds `n` calls of one outcome and latency, 1 ms apart, with the limit fully used.
function feed(limit: AdaptiveLimit, n: number, rttMs: number, outcome: 'ok' | 'drop' | 'error', t0: number) {
  for (let i = 0; i < n; i++) limit.record(outcome, rttMs, limit.limit, t0 + i);
  return t0 + n;
}

describe('AdaptiveLimit (issue 12)', () => {
  it('grows by about one per `limit` good calls while used, up to max', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 20, initial: 10 });
    feed(limit, 11, 5, 'ok', 0);
    expect(limit.limit).toBe(11);
    feed(limit, 10_000, 5, 'ok', 100);
    expect(limit.limit).toBe(20);
  });

  it('does not grow while the limit is not used', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 20, initial: 10 });
    for (let i = 0; i < 1000; i++) limit.record('ok', 5, 1, i);
    expect(limit.limit).toBe(10);
  });

  it('cuts on a 10× latency spike within a few calls, down to min, and recovers after it', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    // Calls as a full limit makes them: one every rtt/limit milliseconds.
    let t = 0;
    const run = (n: number, rttMs: number) => {
      for (let i = 0; i < n; i++) {
        limit.record('ok', rttMs, limit.limit, t);
        t += rttMs / limit.limit;
      }
    };
    run(200, 5);
    const before = limit.limit;
    expect(before).toBeGreaterThanOrEqual(32);
    run(10, 50);
    expect(limit.limit).toBeLessThan(before);
    run(100, 50);
    expect(limit.limit).toBeLessThanOrEqual(4);
    run(3000, 5);
    expect(limit.limit).toBeGreaterThanOrEqual(32);
  });

  it('does not learn a 30 s spike from its own calls: the limit stays cut through it (bench: spike)', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    let t = 0;
    for (let i = 0; i < 500; i++) limit.record('ok', 5, limit.limit, (t += 1));
    // 30 s of 10× latency at 1,000 calls/s: per call, the baseline would follow within a few seconds.
    for (let i = 0; i < 30_000; i++) limit.record('ok', 50, limit.limit, (t += 1));
    expect(limit.baselineMs).toBeLessThan(5 * 1.4);
    expect(limit.limit).toBeLessThanOrEqual(4);
  });

  it('still learns a lasting latency rise, over minutes', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    let t = 0;
    for (let i = 0; i < 500; i++) limit.record('ok', 5, limit.limit, (t += 1));
    for (let i = 0; i < 300_000; i++) limit.record('ok', 50, limit.limit, (t += 1));
    expect(limit.baselineMs).toBeGreaterThan(40);
    expect(limit.limit).toBeGreaterThan(4);
  });

  it('tolerates latency noise under the tolerance', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    for (let i = 0; i < 2000; i++) limit.record('ok', i % 2 === 0 ? 5 : 9, limit.limit, i);
    expect(limit.limit).toBe(64);
  });

  it('cuts by the backoff ratio on a 429 or timeout, once per cooldown, never below min', () => {
    const limit = new AdaptiveLimit({ min: 3, max: 64, initial: 40, backoffRatio: 0.5, cooldownMs: 100 });
    limit.record('drop', 5, 40, 0);
    expect(limit.limit).toBe(20);
    limit.record('drop', 5, 40, 50);
    expect(limit.limit).toBe(20);
    for (let t = 100; t <= 1000; t += 100) limit.record('drop', 5, 40, t);
    expect(limit.limit).toBe(3);
  });

  it('keeps its limit under a steady 20 % of errors but cuts on an error spike', () => {
    const steady = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    for (let i = 0; i < 5000; i++) steady.record(i % 5 === 0 ? 'error' : 'ok', 5, steady.limit, i);
    expect(steady.limit).toBe(64);
    feed(steady, 100, 5, 'error', 10_000);
    expect(steady.limit).toBeLessThan(64);
  });

  it('ignores answers that say nothing about load', () => {
    const limit = new AdaptiveLimit({ min: 2, max: 64, initial: 32 });
    for (let i = 0; i < 100; i++) limit.record('ignore', 500, 32, i);
    expect(limit.limit).toBe(32);
  });
});
