// The one bound on calls in flight to an upstream (issue 12): a semaphore whose size is the adaptive
// limit, serving waiters by priority (lower first: the oldest batch), then in arrival order. Items of any batch take a slot only for the call itself; an item waiting in backoff,
// for Retry-After or for an outage holds none, so other batches' items fill the slot meanwhile.
import { AdaptiveLimit, type AdaptiveLimitOptions, type CallOutcome } from './adaptive-limit.ts';

/** Gives the slot back with the call's outcome and its round trip (the HTTP call alone, not the waits). */
export type ReleaseSlot = (outcome: CallOutcome, rttMs: number) => void;

export class CallLimiter {
  readonly #limit: AdaptiveLimit;
  readonly #waiters: { priority: number; seq: number; wake: () => void }[] = [];
  #seq = 0;
  readonly #onLimit: (limit: number) => void;
  #inFlight = 0;

  constructor(options: AdaptiveLimitOptions, onLimit: (limit: number) => void = () => undefined) {
    this.#limit = new AdaptiveLimit(options);
    this.#onLimit = onLimit;
    onLimit(this.#limit.limit);
  }

  get limit(): number {
    return this.#limit.limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** A slot now if one is free and nobody waits (no promise on the hot path, #12); else undefined. */
  tryAcquire(): ReleaseSlot | undefined {
    if (this.#inFlight >= this.#limit.limit || this.#waiters.length > 0) return undefined;
    this.#inFlight++;
    return this.#releaser();
  }

  /** Waits for a free slot; the returned function gives it back with the call's outcome. */
  acquire(priority = 0): Promise<ReleaseSlot> {
    return new Promise((resolve) => this.whenFree(priority, resolve));
  }

  /**
   * Calls `take` with a slot: at once if one is free and nobody waits, else when it is this waiter's turn.
   * A callback, so a waiter costs one queue entry and no async frame (#12).
   */
  whenFree(priority: number, take: (release: ReleaseSlot) => void): void {
    const now = this.tryAcquire();
    if (now) take(now);
    else this.#enqueue({ priority, seq: this.#seq++, wake: () => take(this.#releaser()) });
  }

  #releaser(): ReleaseSlot {
    const inFlightAtStart = this.#inFlight;
    let released = false;
    return (outcome, rttMs) => {
      if (released) return;
      released = true;
      const before = this.#limit.limit;
      this.#limit.record(outcome, rttMs, inFlightAtStart, performance.now());
      if (this.#limit.limit !== before) this.#onLimit(this.#limit.limit);
      this.#inFlight--;
      this.#wake();
    };
  }

  /** Sorted insert (waiters stay ordered by priority, then arrival); the queue is at most the items in hand. */
  #enqueue(waiter: { priority: number; seq: number; wake: () => void }): void {
    let i = this.#waiters.length;
    while (i > 0 && (this.#waiters[i - 1] as { priority: number }).priority > waiter.priority) i--;
    this.#waiters.splice(i, 0, waiter);
  }

  #wake(): void {
    // A slot is handed over directly (inFlight counted for the waiter), so no newcomer can jump the queue.
    while (this.#waiters.length > 0 && this.#inFlight < this.#limit.limit) {
      this.#inFlight++;
      this.#waiters.shift()?.wake();
    }
  }
}
