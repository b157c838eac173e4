// The consumer: one intake loop that fills free batch slots, in this order, from the worker's own due
// redeliveries, entries reclaimed from dead consumers (XAUTOCLAIM, again at once while pages come back
// full) and new entries (XREADGROUP). Intake pauses while no upstream can take calls (issue 11), except
// to let one batch carry the half-open trial when nothing is in flight. Heartbeats keep the entries in
// flight or scheduled for redelivery from being reclaimed; dead consumers are removed from the group.
// stop() stops intake, interrupts waiting items (their batches are given back) and waits for the rest,
// heartbeating the batches still in hand until they finish or the grace period ends (#16).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Jitter } from './backoff.ts';
import type { BatchProcessor } from './batch-processor.ts';
import { RedeliverySchedule, redeliveryDelayMs } from './redelivery-schedule.ts';
import type { StreamEntry, StreamQueue } from './stream-queue.ts';
import type { UpstreamRouter } from './upstream-router.ts';
import type { WorkerEvents } from './worker-events.ts';

export interface ConsumerOptions {
  /** Batches in hand that may need call slots now (parked ones, waiting only on backoff, not counted). */
  batches: number;
  /** Batches in hand at most, parked ones included: a bound on memory and on what one replica holds. */
  maxBatches?: number;
  /**
   * Demand-driven intake (#12): more batches are read only while the items in hand that have had no call
   * slot yet are fewer than this many times the call limit. Unset: only the batch bounds above.
   */
  waitingPerCallSlot?: number;
  readCount: number;
  claimIdleMs: number;
  /** The base of the worker's own redelivery backoff: the delay an item's next retry would have had. */
  redeliveryBaseMs: number;
  /** Its jitter: spec.retry's (#12). */
  redeliveryJitter?: Jitter;
}

// Short enough that a stop request or a due redelivery is noticed quickly, long enough not to spin.
const BLOCK_MS = 1000;
const OUTAGE_POLL_MS = 100;

export interface ConsumerDeps {
  queue: StreamQueue;
  processor: BatchProcessor;
  router: UpstreamRouter;
  /** What it reports (#16): batches in flight, reclaims, consumers removed, loop errors. */
  events: WorkerEvents;
}

/** Consumers idle this long with nothing pending are removed from the group. */
export const deadConsumerIdleMs = (claimIdleMs: number) => Math.max(3 * claimIdleMs, 10_000);

export class ConsumerLoop {
  readonly #o: ConsumerOptions;
  readonly #d: ConsumerDeps;
  readonly #inFlight = new Map<string, Promise<unknown>>();
  readonly #redeliveries = new RedeliverySchedule();
  readonly #stop = new AbortController();
  /** Ends the heartbeats: after stop(), once the batches in hand are done or the grace period is over. */
  readonly #halt = new AbortController();
  #heartbeats: Promise<void> = Promise.resolve();
  #slotFreed: (() => void) | undefined;
  #loops: Promise<unknown>[] = [];
  #nextClaimAt = 0;

  constructor(options: ConsumerOptions, deps: ConsumerDeps) {
    this.#o = options;
    this.#d = deps;
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Batches in this worker's hands: the busy figure it publishes (#15). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  get claimEveryMs(): number {
    return Math.max(200, Math.min(this.#o.claimIdleMs / 2, 30_000));
  }

  start(ownPending: readonly string[] = []): void {
    // A batch that starts waiting only on backoff timers frees its intake slot (#12).
    this.#d.processor.onParked = () => this.#wakeIntake();
    this.#d.processor.onFewUnslotted = () => this.#wakeIntake();
    // Entries left pending on this consumer name by an earlier run: redeliver them now, not after claimIdle.
    for (const id of ownPending) this.#redeliveries.schedule(id, 0);
    this.#heartbeats = this.#heartbeatLoop(Math.max(100, this.#o.claimIdleMs / 3));
    this.#loops = [
      this.#intakeLoop(),
      this.#every(Math.max(this.claimEveryMs, 1000), () => this.#removeDeadConsumers(), 'consumer_cleanup'),
    ];
  }

  /** Stops intake; resolves true when every batch in flight finished within graceMs. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stop.abort();
    this.#slotFreed?.();
    this.#redeliveries.clear();
    // Unreferenced: a drained worker exits now, not when the grace period would have ended (#12: the CLI
    // worker took 25 s to exit after SIGTERM).
    const deadline = sleep(graceMs, false, { ref: false });
    const drained = Promise.all(this.#loops).then(() => this.#drain());
    const done = await Promise.race([drained.then(() => true), deadline]);
    this.#halt.abort();
    // A heartbeat under way finishes first (within the grace period: Redis may be unreachable), so the
    // caller does not close the connections under it.
    await Promise.race([this.#heartbeats, deadline]);
    return done;
  }

  /**
   * Claim-extends the entries in hand and those scheduled for redelivery. Unlike the other loops it runs
   * on through a stop (#16): with claimIdle shorter than the grace period, another worker would otherwise
   * reclaim (and apply again) a batch this one is still working on. Redeliveries are dropped at the stop,
   * so from then on only the batches in hand are extended, until they are done or the grace is over.
   */
  async #heartbeatLoop(ms: number): Promise<void> {
    const halt = this.#halt.signal;
    for (;;) {
      await sleep(ms, undefined, { signal: halt }).catch(() => undefined);
      if (halt.aborted) return;
      try {
        await this.#d.queue.heartbeat([...this.#inFlight.keys(), ...this.#redeliveries.ids()]);
      } catch (error) {
        if (!halt.aborted) this.#d.events.emit('loop-error', 'heartbeat', error as Error);
      }
    }
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  #free(): number {
    const held = this.#inFlight.size;
    return Math.min(
      this.#o.batches - (held - this.#d.processor.parked),
      (this.#o.maxBatches ?? this.#o.batches) - held,
    );
  }

  /**
   * Do the call slots want more work (#12)? Once the items in hand that have had no call slot yet (being
   * prepared, queued behind their batch's other items, or waiting for a slot: processor.unslotted) reach
   * the bound, a new batch would only wait too, holding its items meanwhile (memory, and GC work: a
   * young-generation collection copies what is alive), and a slow or rate-limited upstream would pull
   * batches it cannot serve. The processor wakes the intake when the count falls below the bound. A read,
   * once wanted, takes up to readCount batches as before: reads sized to the shortfall (tried) made 3× the
   * Redis round trips for no GC time saved.
   */
  #wanted(): boolean {
    const factor = this.#o.waitingPerCallSlot;
    if (factor === undefined || this.#inFlight.size === 0) return true;
    const { processor, router } = this.#d;
    const bound = Math.max(1, router.callLimit() * factor);
    processor.wakeBelow = bound;
    return processor.unslotted < bound;
  }

  #wakeIntake(): void {
    const wake = this.#slotFreed;
    this.#slotFreed = undefined;
    wake?.();
  }

  /** Intake is open when some upstream's breaker is closed, or to carry a due trial when idle. */
  #intakeOpen(): boolean {
    const { router } = this.#d;
    return !router.outage || (this.#inFlight.size === 0 && router.probeDue());
  }

  async #intakeLoop(): Promise<void> {
    let failures = 0;
    // Read again only once a few slots are free (#12): a read per finished batch was one more Redis
    // round trip per batch; the batches still in hand keep the call slots busy meanwhile.
    const minFree = Math.max(1, Math.min(this.#o.readCount, Math.floor(this.#o.batches / 4)));
    while (!this.stopping) {
      if (this.#free() < minFree || !this.#wanted()) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      if (!this.#intakeOpen()) {
        if (this.#inFlight.size === 0) await this.#d.router.whenAvailable(this.#stop.signal);
        else await this.#pause(OUTAGE_POLL_MS);
        continue;
      }
      try {
        await this.#takeOne();
        failures = 0;
      } catch (error) {
        failures++;
        this.#d.events.emit('loop-error', 'read', error as Error);
        await this.#pause(Math.min(100 * 2 ** failures, 2000));
      }
    }
  }

  async #takeOne(): Promise<void> {
    const now = performance.now();
    const due = this.#redeliveries.takeDue(now, this.#free());
    if (due.length > 0) {
      for (const id of due) {
        const entry = await this.#d.queue.reclaimOwn(id);
        if (entry) this.#dispatch(entry);
      }
      return;
    }
    if (now >= this.#nextClaimAt) {
      const free = this.#free();
      const entries = await this.#d.queue.autoClaim(this.#o.claimIdleMs, free);
      // A full page means more are waiting: claim again at once rather than at the claim interval.
      this.#nextClaimAt = entries.length >= free ? now : now + this.claimEveryMs;
      for (const entry of entries) {
        if (this.#inFlight.has(entry.id)) continue;
        this.#d.events.emit('reclaimed', entry.id, entry.deliveries);
        this.#dispatch(entry);
      }
      if (entries.length > 0) return;
    }
    const untilDue = this.#redeliveries.nextInMs(now);
    const block = Math.min(BLOCK_MS, untilDue ?? BLOCK_MS, Math.max(1, this.#nextClaimAt - now));
    const entries = await this.#d.queue.read(Math.min(this.#o.readCount, this.#free()), Math.max(1, block));
    for (const entry of entries) this.#dispatch(entry);
  }

  #dispatch(entry: StreamEntry): void {
    this.#redeliveries.cancel(entry.id);
    const run = this.#d.processor
      .process(entry, this.#stop.signal)
      .then((report) => {
        if (report.redeliver && !this.stopping) {
          const delay = redeliveryDelayMs(
            this.#o.redeliveryBaseMs,
            entry.deliveries,
            this.#o.redeliveryJitter,
          );
          this.#redeliveries.schedule(entry.id, performance.now() + delay);
        }
      })
      .finally(() => {
        this.#inFlight.delete(entry.id);
        this.#d.events.emit('batches-in-flight', this.#inFlight.size);
        this.#wakeIntake();
      });
    this.#inFlight.set(entry.id, run);
    this.#d.events.emit('batches-in-flight', this.#inFlight.size);
  }

  async #removeDeadConsumers(): Promise<void> {
    const removed = await this.#d.queue.deleteDeadConsumers(deadConsumerIdleMs(this.#o.claimIdleMs));
    if (removed.length > 0) this.#d.events.emit('consumers-removed', removed);
  }

  async #every(ms: number, fn: () => Promise<void>, name: string): Promise<void> {
    while (!this.stopping) {
      await this.#pause(ms);
      if (this.stopping) return;
      try {
        await fn();
      } catch (error) {
        this.#d.events.emit('loop-error', name, error as Error);
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }
}
