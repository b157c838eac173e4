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
    // The no-load probe first (#12): 3 in flight until 50 calls are back, then the initial limit.
    for (let i = 0; i < 50; i++) (await limiter.acquire())('ok', 1);
    expect(limits).toEqual([3, 8]);
    const first = await limiter.acquire();
    first('drop', 1);
    expect(limiter.limit).toBe(4);
    expect(limits).toEqual([3, 8, 4]);
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

  it('whenFree: a slot at once when free, else handed over in priority order as slots are given back', () => {
    // The reservations of router.reserve (#12): callbacks, no promise per waiter.
    const limiter = new CallLimiter({ min: 1, max: 1, initial: 1 });
    const got: string[] = [];
    const releases = new Map<string, (outcome: 'ok' | 'ignore', rttMs: number) => void>();
    const take = (name: string) => (release: (outcome: 'ok' | 'ignore', rttMs: number) => void) => {
      got.push(name);
      releases.set(name, release);
    };
    limiter.whenFree(7, take('first'));
    expect(got).toEqual(['first']);
    limiter.whenFree(9, take('newer'));
    limiter.whenFree(3, take('older'));
    expect(got).toEqual(['first']);
    // A slot given back unused ('ignore') goes on to the next waiter, synchronously.
    releases.get('first')?.('ignore', 0);
    expect(got).toEqual(['first', 'older']);
    expect(limiter.inFlight).toBe(1);
    releases.get('older')?.('ok', 1);
    releases.get('newer')?.('ok', 1);
    expect(got).toEqual(['first', 'older', 'newer']);
    expect(limiter.inFlight).toBe(0);
  });
});
