// Exponential backoff with the configured jitter (AWS "Exponential Backoff And Jitter"): full jitter
// makes the fewest calls, decorrelated finishes slightly sooner, none is for tests and demos. Pure
// given the random source.

import type { WorkerFileConfig } from '../contracts/worker-config.ts';

/** The backoff fields of spec.retry, as the worker config document gives them (#16: derived, not restated). */
export type BackoffOptions = Pick<WorkerFileConfig['retry'], 'baseDelayMs' | 'maxDelayMs' | 'jitter'>;
export type Jitter = BackoffOptions['jitter'];

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
