// A work queue with client-go's guarantees: a key waits in the queue at most once (dirty set), is
// never handed to two workers at once (processing set; a key added while processing is queued again
// when done), can be re-added after a delay (the earliest pending delay wins) or rate limited.
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueHooks {
  depth?(n: number): void;
  add?(): void;
  retry?(): void;
  queueDuration?(seconds: number): void;
  workDuration?(seconds: number): void;
}

export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  hooks?: WorkQueueHooks;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly enqueuedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly rateLimiter: RateLimiter;
  private readonly hooks: WorkQueueHooks;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.hooks = options.hooks ?? {};
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.hooks.add?.();
    this.dirty.add(key);
    this.enqueuedAt.set(key, performance.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const due = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.delayed.set(key, { due, timer });
  }

  addRateLimited(key: string): void {
    this.hooks.retry?.();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Next key to process, or undefined once the queue shuts down. Call done(key) when finished. */
  get(): Promise<string | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.hooks.workDuration?.((performance.now() - started) / 1000);
    if (this.dirty.has(key)) this.push(key);
  }

  len(): number {
    return this.queue.length;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.claim(key));
      return;
    }
    this.queue.push(key);
    this.hooks.depth?.(this.queue.length);
  }

  private take(): string {
    const key = this.queue.shift() as string;
    this.hooks.depth?.(this.queue.length);
    return this.claim(key);
  }

  private claim(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    const enqueued = this.enqueuedAt.get(key);
    this.enqueuedAt.delete(key);
    if (enqueued !== undefined) this.hooks.queueDuration?.((performance.now() - enqueued) / 1000);
    this.startedAt.set(key, performance.now());
    return key;
  }
}

export type ProcessResult = { requeueAfterMs?: number } | void;

/**
 * Runs `workers` loops that take keys and process them: success forgets the key's failures (and
 * honours requeueAfterMs), an error re-adds it rate limited. Resolves when the queue shuts down.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  process: (key: string) => Promise<ProcessResult>,
  onError: (key: string, error: unknown) => void = () => undefined,
): Promise<void> {
  const loop = async () => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        const result = await process(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        onError(key, error);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
