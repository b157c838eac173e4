// The one bound on calls in flight to an upstream (issue 12): a FIFO semaphore whose size is the
// adaptive limit. Items of any batch take a slot only for the call itself; an item waiting in backoff,
// for Retry-After or for an outage holds none, so other batches' items fill the slot meanwhile.
import { AdaptiveLimit, type AdaptiveLimitOptions, type CallOutcome } from './adaptive-limit.ts';

/** Gives the slot back with the call's outcome and its round trip (the HTTP call alone, not the waits). */
export type ReleaseSlot = (outcome: CallOutcome, rttMs: number) => void;

export class CallLimiter {
  readonly #limit: AdaptiveLimit;
  readonly #waiters: (() => void)[] = [];
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

  /** Waits for a free slot; the returned function gives it back with the call's outcome. */
  async acquire(): Promise<ReleaseSlot> {
    if (this.#inFlight >= this.#limit.limit || this.#waiters.length > 0) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    } else {
      this.#inFlight++;
    }
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

  #wake(): void {
    // A slot is handed over directly (inFlight counted for the waiter), so no newcomer can jump the queue.
    while (this.#waiters.length > 0 && this.#inFlight < this.#limit.limit) {
      this.#inFlight++;
      this.#waiters.shift()?.();
    }
  }
}
