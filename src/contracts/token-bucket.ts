// The one token bucket (#16): the worker's rate limit per upstream and the operator's overall requeue
// limit (rate-limiter.ts). Reservation style: a caller takes a token now or is told how
// long to wait for the one reserved for it, so waiters are served in order without polling.
import { setTimeout as sleep } from 'node:timers/promises';

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number = ratePerSecond, now: number = performance.now()) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#last = now;
  }

  /** Reserves one token; returns the milliseconds to wait before using it (0: use it now). */
  reserve(now: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#ratePerMs);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.#ratePerMs;
  }

  async take(): Promise<void> {
    const wait = this.reserve(performance.now());
    if (wait > 0) await sleep(wait);
  }
}
