// How many events happened in the last `windowMs` (#12: the batches a worker finished in the last second,
// which bounds the batches it holds). Pure: time comes in. A ring of timestamps, capped: callers only
// need to know whether the count reached `cap`, so at most `cap` timestamps are kept.

export class RecentCount {
  readonly #windowMs: number;
  readonly #times: Float64Array;
  #head = 0;
  #size = 0;

  constructor(windowMs: number, cap: number) {
    this.#windowMs = windowMs;
    this.#times = new Float64Array(Math.max(1, cap));
  }

  /** One event at `now` (a clock that does not go back). Past the cap the oldest is forgotten. */
  record(now: number): void {
    const times = this.#times;
    if (this.#size === times.length) {
      this.#head = (this.#head + 1) % times.length;
      this.#size--;
    }
    times[(this.#head + this.#size) % times.length] = now;
    this.#size++;
  }

  /** Events in (now - windowMs, now], at most the cap. */
  count(now: number): number {
    const times = this.#times;
    while (this.#size > 0 && (times[this.#head] as number) <= now - this.#windowMs) {
      this.#head = (this.#head + 1) % times.length;
      this.#size--;
    }
    return this.#size;
  }
}
