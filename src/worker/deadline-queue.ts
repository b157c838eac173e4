// Timeouts of the calls to one upstream on one timer (#12): every call has the same timeout, so deadlines
// come in start order and a FIFO is a priority queue. A call costs a push and a flag, not a Node timer
// and an AbortController (the per-call setTimeout, its clearTimeout and the abort listener were ~5 % of
// the worker's CPU at a zero-latency upstream). Exact: a deadline fires when it is due, not on a tick.

export interface Deadline {
  /** performance.now() at which `fire` runs unless the deadline was cancelled first. */
  readonly at: number;
  cancelled: boolean;
  fire: () => void;
}

const done = (): void => undefined;

export class DeadlineQueue {
  readonly #timeoutMs: number;
  #entries: Deadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Deadline the timer is armed for (undefined: not armed). */
  #armedAt: number | undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Live (not cancelled, not fired) deadlines, for tests. */
  get size(): number {
    let n = 0;
    for (let i = this.#head; i < this.#entries.length; i++) if (!this.#entries[i]?.cancelled) n++;
    return n;
  }

  /** Runs `fire` timeoutMs from now unless cancel() is called on the returned deadline first. */
  add(fire: () => void, now: number = performance.now()): Deadline {
    const deadline: Deadline = { at: now + this.#timeoutMs, cancelled: false, fire };
    this.#entries.push(deadline);
    if (this.#armedAt === undefined) this.#arm(deadline.at, now);
    return deadline;
  }

  cancel(deadline: Deadline): void {
    deadline.cancelled = true;
    // A cancelled entry can wait in the queue behind an older call still in flight: it must not keep
    // its call (and what the call holds) alive meanwhile, or every finished call outlives the young
    // generation (#12: a heap profile of what scavenges did not free, RESULTS.md 01:03).
    deadline.fire = done;
    // Calls mostly end in start order: drop finished ones from the front, so the queue stays as short
    // as the calls in flight.
    this.#dropCancelled();
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = undefined;
    this.#entries = [];
    this.#head = 0;
  }

  #dropCancelled(): void {
    const entries = this.#entries;
    while (this.#head < entries.length && (entries[this.#head] as Deadline).cancelled) this.#head++;
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(at: number, now: number): void {
    this.#armedAt = at;
    // Unreferenced: a pending call's socket keeps the process alive, a timeout alone must not.
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, at - now));
    this.#timer.unref();
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedAt = undefined;
    const now = performance.now();
    const due: Deadline[] = [];
    while (this.#head < this.#entries.length) {
      const first = this.#entries[this.#head] as Deadline;
      if (!first.cancelled && first.at > now) break;
      this.#head++;
      if (!first.cancelled) {
        first.cancelled = true;
        due.push(first);
      }
    }
    this.#dropCancelled();
    const next = this.#entries[this.#head];
    if (next) this.#arm(next.at, now);
    for (const deadline of due) deadline.fire();
  }
}
