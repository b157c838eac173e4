// Exponential backoff with the configured jitter (AWS "Exponential Backoff And Jitter"): full jitter
// makes the fewest calls, decorrelated finishes slightly sooner, none is for tests and demos. Pure
// given the random source.

export type Jitter = 'full' | 'decorrelated' | 'none';

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: Jitter;
}

/** Delay before retry number `retry` (1 = the first retry); `previous` is the delay used before it. */
export function backoffDelayMs(
  options: BackoffOptions,
  retry: number,
  previous: number,
  random: () => number = Math.random,
): number {
  const { baseDelayMs: base, maxDelayMs: max } = options;
  const exponential = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  if (options.jitter === 'none') return exponential;
  if (options.jitter === 'full') return random() * exponential;
  const upper = Math.max(base, (previous || base) * 3);
  return Math.min(max, base + random() * (upper - base));
}
