// The consumer: a read loop on the blocking connection, an XAUTOCLAIM loop for entries left idle by dead
// consumers, heartbeats for the entries in flight, and a bounded number of batches in flight. stop()
// stops reading and waits for the batches in flight, up to the grace period.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchProcessor } from './batch-processor.ts';
import type { Logger } from './logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { StreamEntry, StreamQueue } from './stream-queue.ts';

export interface ConsumerOptions {
  batches: number;
  readCount: number;
  claimIdleMs: number;
}

// Short enough that a stop request is noticed quickly, long enough not to spin on an idle stream.
const BLOCK_MS = 1000;

export class ConsumerLoop {
  readonly #o: ConsumerOptions;
  readonly #queue: StreamQueue;
  readonly #processor: BatchProcessor;
  readonly #metrics: WorkerMetrics;
  readonly #logger: Logger;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #stop = new AbortController();
  #slotFreed: (() => void) | undefined;
  #loops: Promise<unknown>[] = [];

  constructor(
    options: ConsumerOptions,
    deps: { queue: StreamQueue; processor: BatchProcessor; metrics: WorkerMetrics; logger: Logger },
  ) {
    this.#o = options;
    this.#queue = deps.queue;
    this.#processor = deps.processor;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  start(): void {
    const claimEvery = Math.max(200, Math.min(this.#o.claimIdleMs / 2, 30_000));
    const heartbeatEvery = Math.max(100, this.#o.claimIdleMs / 3);
    this.#loops = [
      this.#readLoop(),
      this.#every(claimEvery, () => this.#claim(), 'claim'),
      this.#every(heartbeatEvery, () => this.#queue.heartbeat([...this.#inFlight.keys()]), 'heartbeat'),
    ];
  }

  /** Stops reading and claiming; resolves true when every batch in flight finished within graceMs. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stop.abort();
    this.#slotFreed?.();
    const deadline = sleep(graceMs, false);
    const drained = Promise.all(this.#loops).then(() => this.#drain());
    return Promise.race([drained.then(() => true), deadline]);
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  #free(): number {
    return this.#o.batches - this.#inFlight.size;
  }

  async #readLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.#free() <= 0) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      try {
        const entries = await this.#queue.read(Math.min(this.#o.readCount, this.#free()), BLOCK_MS);
        failures = 0;
        for (const entry of entries) this.#dispatch(entry);
      } catch (error) {
        failures++;
        this.#logger.warn('read_error', { error: (error as Error).message });
        await this.#pause(Math.min(100 * 2 ** failures, 2000));
      }
    }
  }

  async #claim(): Promise<void> {
    const free = this.#free();
    if (free <= 0) return;
    const entries = await this.#queue.autoClaim(this.#o.claimIdleMs, free);
    for (const entry of entries) {
      if (this.#inFlight.has(entry.id)) continue;
      this.#metrics.reclaimed.inc();
      this.#logger.info('batch_reclaimed', { stream_id: entry.id, attempts: entry.deliveries });
      this.#dispatch(entry);
    }
  }

  #dispatch(entry: StreamEntry): void {
    const run = this.#processor.process(entry).finally(() => {
      this.#inFlight.delete(entry.id);
      this.#metrics.batchesInFlight.set(this.#inFlight.size);
      const wake = this.#slotFreed;
      this.#slotFreed = undefined;
      wake?.();
    });
    this.#inFlight.set(entry.id, run);
    this.#metrics.batchesInFlight.set(this.#inFlight.size);
  }

  async #every(ms: number, fn: () => Promise<void>, name: string): Promise<void> {
    while (!this.stopping) {
      await this.#pause(ms);
      if (this.stopping) return;
      try {
        await fn();
      } catch (error) {
        this.#logger.warn(`${name}_error`, { error: (error as Error).message });
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }
}
