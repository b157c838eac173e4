import { WorkQueue, runWorkers } from '../../../src/operator/work-queue.ts';
import {
  bucketRateLimiter,
  itemExponentialRateLimiter,
  maxOfRateLimiter,
} from '../../../src/operator/rate-limiter.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkQueue', () => {
  it('deduplicates a key that is already waiting', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.len()).toBe(0);
  });

  it('never hands out a key that is being processed; re-queues it when done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    expect(queue.len()).toBe(0);
    expect(queue.isProcessing('a')).toBe(true);
    queue.done(key as string);
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('wakes a waiting get when a key arrives and returns undefined after shutdown', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('x');
    expect(await waiting).toBe('x');
    const afterShutdown = queue.get();
    queue.shutDown();
    expect(await afterShutdown).toBeUndefined();
    queue.add('y');
    expect(queue.len()).toBe(0);
  });

  it('addAfter delays a key and keeps the earliest of two delays', async () => {
    const queue = new WorkQueue();
    queue.addAfter('a', 200);
    queue.addAfter('a', 20);
    expect(queue.len()).toBe(0);
    await sleep(60);
    expect(queue.len()).toBe(1);
    await sleep(200);
    expect(queue.len()).toBe(1);
    queue.shutDown();
  });

  it('runWorkers retries a failing key with backoff until it succeeds, then forgets its failures', async () => {
    const queue = new WorkQueue({ rateLimiter: itemExponentialRateLimiter(5, 1000) });
    const attempts: number[] = [];
    const started = Date.now();
    const running = runWorkers(queue, 2, async () => {
      attempts.push(Date.now() - started);
      if (attempts.length < 4) throw new Error('boom');
    });
    queue.add('bot');
    for (let i = 0; i < 100 && attempts.length < 4; i++) await sleep(10);
    queue.shutDown();
    await running;
    expect(attempts).toHaveLength(4);
    // backoff 5, 10, 20 ms between the attempts
    expect((attempts[3] as number) - (attempts[0] as number)).toBeGreaterThanOrEqual(30);
    expect(queue.numRequeues('bot')).toBe(0);
  });

  it('runs distinct keys concurrently but one key never twice at once', async () => {
    const queue = new WorkQueue();
    let active = 0;
    let maxActive = 0;
    const activeByKey = new Map<string, number>();
    let maxPerKey = 0;
    let processed = 0;
    const running = runWorkers(queue, 4, async (key) => {
      active++;
      activeByKey.set(key, (activeByKey.get(key) ?? 0) + 1);
      maxActive = Math.max(maxActive, active);
      maxPerKey = Math.max(maxPerKey, activeByKey.get(key) as number);
      await sleep(20);
      activeByKey.set(key, (activeByKey.get(key) as number) - 1);
      active--;
      processed++;
    });
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await sleep(5);
    queue.add('a');
    queue.add('a');
    for (let i = 0; i < 100 && processed < 5; i++) await sleep(10);
    queue.shutDown();
    await running;
    expect(maxActive).toBe(4);
    expect(maxPerKey).toBe(1);
    expect(processed).toBe(5);
  });

  it('honours requeueAfterMs from a successful process', async () => {
    const queue = new WorkQueue();
    const times: number[] = [];
    const running = runWorkers(queue, 1, async () => {
      times.push(Date.now());
      return times.length === 1 ? { requeueAfterMs: 50 } : undefined;
    });
    queue.add('k');
    for (let i = 0; i < 50 && times.length < 2; i++) await sleep(10);
    queue.shutDown();
    await running;
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(45);
  });
});

describe('rate limiters', () => {
  it('item exponential backoff doubles from 5 ms and caps at 1000 s', () => {
    const limiter = itemExponentialRateLimiter(5, 1_000_000);
    const delays = Array.from({ length: 30 }, () => limiter.when('k'));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays[29]).toBe(1_000_000);
    expect(limiter.numRequeues('k')).toBe(30);
    expect(limiter.when('other')).toBe(5);
    limiter.forget('k');
    expect(limiter.when('k')).toBe(5);
  });

  it('token bucket allows a burst of 100 then 10 per second', () => {
    let now = 0;
    const limiter = bucketRateLimiter(10, 100, () => now);
    const burst = Array.from({ length: 100 }, (_, i) => limiter.when(`k${i}`));
    expect(burst.every((d) => d === 0)).toBe(true);
    expect(limiter.when('x')).toBe(100);
    expect(limiter.when('y')).toBe(200);
    now += 1000;
    expect(limiter.when('z')).toBe(0);
  });

  it('max-of takes the larger delay', () => {
    const now = 0;
    const limiter = maxOfRateLimiter(
      itemExponentialRateLimiter(5, 1000),
      bucketRateLimiter(10, 1, () => now),
    );
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(100);
  });
});
