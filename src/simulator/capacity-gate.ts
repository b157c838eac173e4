// How many apply requests the simulated upstream serves at once (#12's latency-spike scenario): requests
// beyond the capacity wait in arrival order, so an upstream that loses capacity answers slower the more
// calls a client keeps in flight, as a real overloaded service does. An injected latency alone is
// independent of load and could not tell an adaptive client from a fixed one. Hand-written: p-limit
// (the maintained option) cannot change its concurrency at run time in the version we have.

export class CapacityGate {
  #capacity = 0;
  #busy = 0;
  readonly #waiting: Array<() => void> = [];

  /** @param capacity requests served at once; 0 means unlimited. */
  constructor(capacity = 0) {
    this.setCapacity(capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Requests in service plus those waiting. */
  get inFlight(): number {
    return this.#busy + this.#waiting.length;
  }

  setCapacity(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`capacity must be an integer >= 0, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#admit();
  }

  /** Resolves when the caller may be served; it must call leave() once done. */
  enter(): Promise<void> {
    this.#busy++;
    if (this.#capacity === 0 || this.#busy <= this.#capacity) return Promise.resolve();
    this.#busy--;
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  leave(): void {
    this.#busy--;
    this.#admit();
  }

  #admit(): void {
    while (this.#waiting.length > 0 && (this.#capacity === 0 || this.#busy < this.#capacity)) {
      this.#busy++;
      this.#waiting.shift()?.();
    }
  }
}
