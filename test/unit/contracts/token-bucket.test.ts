import { TokenBucket } from '../../../src/contracts/token-bucket.ts';

describe('TokenBucket', () => {
  it('allows a burst of `rate` calls, then spaces them at 1/rate', () => {
    const bucket = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBeCloseTo(100);
    expect(bucket.reserve(0)).toBeCloseTo(200);
  });

  it('refills over time, capped at the burst', () => {
    const bucket = new TokenBucket(10, 2, 0);
    bucket.reserve(0);
    bucket.reserve(0);
    expect(bucket.reserve(50)).toBeCloseTo(50);
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBe(0);
    expect(bucket.reserve(10_000)).toBeGreaterThan(0);
  });
});
