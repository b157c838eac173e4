import { CallLimiter } from '../../../src/worker/call-limiter.ts';

describe('CallLimiter (issue 12)', () => {
  it('lets `limit` calls in at once and hands freed slots to waiters in order', async () => {
    const limits: number[] = [];
    const limiter = new CallLimiter({ min: 2, max: 2, initial: 2 }, (l) => limits.push(l));
    expect(limits).toEqual([2]);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    expect(limiter.inFlight).toBe(2);
    const order: string[] = [];
    const c = limiter.acquire().then((release) => (order.push('c'), release));
    const d = limiter.acquire().then((release) => (order.push('d'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    a('ok', 1);
    (await c)('ok', 1);
    b('ok', 1);
    (await d)('ok', 1);
    expect(order).toEqual(['c', 'd']);
    expect(limiter.inFlight).toBe(0);
  });

  it('reports a cut limit and admits fewer calls after it', async () => {
    const limits: number[] = [];
    const limiter = new CallLimiter({ min: 1, max: 8, initial: 8, backoffRatio: 0.5 }, (l) => limits.push(l));
    const first = await limiter.acquire();
    first('drop', 1);
    expect(limiter.limit).toBe(4);
    expect(limits).toEqual([8, 4]);
    const held = await Promise.all([1, 2, 3, 4].map(() => limiter.acquire()));
    let fifth = false;
    const waiting = limiter.acquire().then((release) => ((fifth = true), release));
    await Promise.resolve();
    expect(fifth).toBe(false);
    held[0]?.('ok', 1);
    (await waiting)('ok', 1);
    expect(fifth).toBe(true);
  });

  it('serves waiters by priority (the oldest batch first), then in arrival order', async () => {
    const limiter = new CallLimiter({ min: 1, max: 1, initial: 1 });
    const held = await limiter.acquire(5);
    const order: string[] = [];
    const wait = (name: string, priority: number) =>
      limiter.acquire(priority).then((release) => {
        order.push(name);
        release('ok', 1);
      });
    const all = Promise.all([wait('newer', 9), wait('older-a', 2), wait('newest', 12), wait('older-b', 2)]);
    held('ok', 1);
    await all;
    expect(order).toEqual(['older-a', 'older-b', 'newer', 'newest']);
    expect(limiter.inFlight).toBe(0);
  });
});
