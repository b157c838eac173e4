// Latency and failure injection. Pure given a random source, so the unit tests pin it down.

import type { Random } from '../contracts/seeded-random.ts';

export interface LatencyOptions {
  /** Median latency, ms. 0 disables latency. */
  medianMs: number;
  /** 95th percentile, ms (>= median): sets the spread of the log-normal distribution. */
  p95Ms: number;
  maxMs: number;
}

export interface FaultOptions {
  /** Share of requests that fail transiently (500, 503 or 429). */
  failureRate: number;
  /** Share of those failures that happen after the effect was applied (lost response). */
  lostResponseShare: number;
}

export type Fault =
  | { kind: 'none' }
  | { kind: 'fail-before'; status: 500 | 503 | 429 }
  | { kind: 'fail-after'; status: 500 | 503 };

const Z95 = 1.6448536269514722;

/** Log-normal with the given median and p95, clamped to [0, maxMs]. */
export function sampleLatencyMs(options: LatencyOptions, random: Random): number {
  if (options.medianMs <= 0) return 0;
  const sigma = Math.log(Math.max(options.p95Ms, options.medianMs) / options.medianMs) / Z95;
  // Box–Muller; 1 - random() keeps the log argument in (0, 1].
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.min(options.maxMs, Math.max(0, options.medianMs * Math.exp(sigma * normal)));
}

export function decideFault(options: FaultOptions, random: Random): Fault {
  if (random() >= options.failureRate) return { kind: 'none' };
  if (random() < options.lostResponseShare) return { kind: 'fail-after', status: random() < 0.5 ? 503 : 500 };
  const pick = random();
  return { kind: 'fail-before', status: pick < 0.6 ? 503 : pick < 0.85 ? 500 : 429 };
}
