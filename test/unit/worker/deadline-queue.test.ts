import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DeadlineQueue } from '../../../src/worker/deadline-queue.ts';

// A full, synchronous GC for the retention test (the flag exposes gc to contexts made after it).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('DeadlineQueue (#12: one timer for the timeouts of an upstream)', () => {
  it('fires live deadlines when due, in start order, and never a cancelled one', async () => {
    const queue = new DeadlineQueue(30);
    const fired: string[] = [];
    const t0 = performance.now();
    let last!: () => void;
    const done = new Promise<void>((resolve) => (last = resolve));
    const a = queue.add(() => fired.push('a'), t0);
    queue.add(() => fired.push('b'), t0 + 1);
    const c = queue.add(() => fired.push('c'), t0 + 2);
    queue.add(() => {
      fired.push('d');
      last();
    }, t0 + 3);
    queue.cancel(a);
    queue.cancel(c);
    expect(queue.size).toBe(2);
    await done;
    expect(fired).toEqual(['b', 'd']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(30);
    expect(queue.size).toBe(0);
    queue.close();
  });

  it('keeps only the calls in flight when they end in start order', () => {
    const queue = new DeadlineQueue(60_000);
    for (let i = 0; i < 10_000; i++) queue.cancel(queue.add(() => undefined));
    expect(queue.size).toBe(0);
    queue.close();
  });

  it('arms again for deadlines added after the timer fired', async () => {
    const queue = new DeadlineQueue(5);
    await new Promise<void>((resolve) => queue.add(resolve));
    await new Promise<void>((resolve) => queue.add(resolve));
    queue.close();
  });

  it('does not keep a cancelled call alive while an older call is still in flight ahead of it', async () => {
    const queue = new DeadlineQueue(60_000);
    // The oldest call is still waiting: entries behind it stay in the queue until it ends.
    const oldest = queue.add(() => undefined);
    // A call that finished: only its deadline's callback refers to it.
    const finished = (() => {
      const call = { answer: Buffer.alloc(1024) };
      queue.cancel(queue.add(() => call.answer.fill(0)));
      return new WeakRef(call);
    })();
    // A WeakRef holds its target until the job that made it ends: collect in the next one.
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    // Before #12's heap profile it stayed until the oldest ended: every finished call outlived the young
    // generation with everything it held (the answer's buffers, undici's controller).
    expect(finished.deref()).toBeUndefined();
    queue.cancel(oldest);
    queue.close();
  });
});
