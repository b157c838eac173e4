// client-go's default controller rate limiter: the larger of a per-item exponential backoff and an
// overall token bucket, so one failing item backs off alone and a storm of failures cannot flood the API.
import { TokenBucket } from '../contracts/token-bucket.ts';

export interface RateLimiter {
  /** Delay, in ms, before `key` may be retried; counts a failure of `key`. */
  when(key: string): number;
  /** Forgets the failures of `key` (it succeeded). */
  forget(key: string): void;
  numRequeues(key: string): number;
}

export function itemExponentialRateLimiter(baseDelayMs = 5, maxDelayMs = 1_000_000): RateLimiter {
  const failures = new Map<string, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      return Math.min(baseDelayMs * 2 ** n, maxDelayMs);
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** Token bucket: `qps` tokens per second, at most `burst` saved; each retry reserves one token. */
export function bucketRateLimiter(qps = 10, burst = 100, now: () => number = Date.now): RateLimiter {
  const bucket = new TokenBucket(qps, burst, now());
  return {
    when: () => Math.ceil(bucket.reserve(now())),
    forget: () => undefined,
    numRequeues: () => 0,
  };
}

export function maxOfRateLimiter(...limiters: RateLimiter[]): RateLimiter {
  return {
    when: (key) => Math.max(...limiters.map((l) => l.when(key))),
    forget: (key) => limiters.forEach((l) => l.forget(key)),
    numRequeues: (key) => Math.max(...limiters.map((l) => l.numRequeues(key))),
  };
}

export const defaultControllerRateLimiter = (): RateLimiter =>
  maxOfRateLimiter(itemExponentialRateLimiter(5, 1_000_000), bucketRateLimiter(10, 100));
