import { RecentCount } from '../../../src/worker/recent-count.ts';

describe('RecentCount (#12: batches finished in the last second bound the batches held)', () => {
  it('counts the events inside the window and forgets those older', () => {
    const c = new RecentCount(1000, 100);
    expect(c.count(0)).toBe(0);
    c.record(10);
    c.record(500);
    c.record(900);
    expect(c.count(1000)).toBe(3);
    // 10 is now 1000 ms old: out of (now - window, now].
    expect(c.count(1010)).toBe(2);
    expect(c.count(1499)).toBe(2);
    expect(c.count(1900)).toBe(0);
    c.record(2000);
    expect(c.count(2000)).toBe(1);
  });

  it('keeps at most `cap` timestamps, forgetting the oldest, across the ring boundary', () => {
    const c = new RecentCount(1000, 3);
    for (const t of [1, 2, 3, 4, 5]) c.record(t);
    expect(c.count(5)).toBe(3);
    // The kept ones are 3, 4 and 5: 3 leaves the window at 1003.
    expect(c.count(1003)).toBe(2);
    c.record(1004);
    c.record(1005);
    // Full again: 4 was forgotten to make room, and 5 has left the window at 1005.
    expect(c.count(1005)).toBe(2);
    expect(c.count(2004)).toBe(1);
  });
});
