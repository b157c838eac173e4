import type { Jitter } from './backoff.ts';

// The worker's own redeliveries (issue 11): a batch given back after a transient failure is retried by
// the worker that holds it, after a backoff, instead of waiting claimIdleSeconds for XAUTOCLAIM. A timer
// queue: waiting entries hold no batch slot. Pure apart from the clock passed in.

export class RedeliverySchedule {
  readonly #due = new Map<string, number>();

  schedule(id: string, at: number): void {
    this.#due.set(id, at);
  }

  cancel(id: string): void {
    this.#due.delete(id);
  }

  has(id: string): boolean {
    return this.#due.has(id);
  }

  ids(): string[] {
    return [...this.#due.keys()];
  }

  get size(): number {
    return this.#due.size;
  }

  /** Removes and returns up to `max` entries due at `now`, earliest first. */
  takeDue(now: number, max: number): string[] {
    const due = [...this.#due]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, Math.max(0, max))
      .map(([id]) => id);
    for (const id of due) this.#due.delete(id);
    return due;
  }

  /** Milliseconds until the next entry is due (undefined: none scheduled). */
  nextInMs(now: number): number | undefined {
    if (this.#due.size === 0) return undefined;
    return Math.max(0, Math.min(...this.#due.values()) - now);
  }

  clear(): void {
    this.#due.clear();
  }
}

/**
 * Backoff of the worker's own redeliveries: from retry.maxDelayMs, doubling, at most 30 s, with the jitter
 * of spec.retry (#12: full jitter as for the item's own retries; the half jitter used before put every
 * given-back batch 0.8–1.6 s out at the defaults, the tail of a drain at 20 % failures). Decorrelated
 * keeps half jitter (its delays never start from 0 either).
 */
export function redeliveryDelayMs(
  maxDelayMs: number,
  deliveries: number,
  jitter: Jitter = 'full',
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(30_000, maxDelayMs * 2 ** Math.max(0, deliveries - 1));
  if (jitter === 'none') return ceiling;
  if (jitter === 'full') return random() * ceiling;
  return ceiling / 2 + (random() * ceiling) / 2;
}
