import { backoffDelayMs } from '../../../src/worker/backoff.ts';
import { RedeliverySchedule, redeliveryDelayMs } from '../../../src/worker/redelivery-schedule.ts';

describe('RedeliverySchedule (issue 11: the worker redelivers its own failed batches)', () => {
  it('hands out due entries earliest first, at most as many as there are free slots', () => {
    const s = new RedeliverySchedule();
    s.schedule('c', 300);
    s.schedule('a', 100);
    s.schedule('b', 200);
    expect(s.takeDue(50, 10)).toEqual([]);
    expect(s.nextInMs(50)).toBe(50);
    expect(s.takeDue(250, 1)).toEqual(['a']);
    expect(s.takeDue(250, 5)).toEqual(['b']);
    s.cancel('c');
    expect(s.size).toBe(0);
    expect(s.nextInMs(0)).toBeUndefined();
  });

  it('backs off from retry.maxDelayMs, doubling per delivery, at most 30 s', () => {
    expect(redeliveryDelayMs(100, 1, 'decorrelated', () => 1)).toBe(100);
    expect(redeliveryDelayMs(100, 3, 'decorrelated', () => 0)).toBe(200);
    expect(redeliveryDelayMs(5000, 10, 'decorrelated', () => 1)).toBe(30_000);
    // #12: the jitter of spec.retry, full by default, as for the item's own retries.
    expect(redeliveryDelayMs(1600, 1, 'full', () => 0.25)).toBe(400);
    expect(redeliveryDelayMs(1600, 2, undefined, () => 0)).toBe(0);
    expect(redeliveryDelayMs(1600, 2, 'none', () => 0)).toBe(3200);
  });
});

describe('backoffDelayMs', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('none: exponential, capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs({ ...options, jitter: 'none' }, n, 0))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
  });
  it('full: uniform below the exponential ceiling', () => {
    expect(backoffDelayMs({ ...options, jitter: 'full' }, 3, 0, () => 0.5)).toBe(200);
  });
  it('decorrelated: between base and three times the previous delay, capped', () => {
    expect(backoffDelayMs({ ...options, jitter: 'decorrelated' }, 2, 200, () => 1)).toBe(600);
    expect(backoffDelayMs({ ...options, jitter: 'decorrelated' }, 5, 900, () => 1)).toBe(1000);
  });
});
