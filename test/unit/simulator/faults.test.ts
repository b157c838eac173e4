import { decideFault, sampleLatencyMs } from '../../../src/simulator/faults.ts';
import { seededRandom } from '../../../src/contracts/seeded-random.ts';
import { isKnownSku, skuFor } from '../../../src/simulator/catalogue.ts';

describe('failure injection', () => {
  it('fails about the configured share of requests, some after the effect', () => {
    const random = seededRandom(42);
    const n = 20_000;
    const faults = Array.from({ length: n }, () =>
      decideFault({ failureRate: 0.2, lostResponseShare: 0.25 }, random),
    );
    const failed = faults.filter((f) => f.kind !== 'none').length / n;
    const after = faults.filter((f) => f.kind === 'fail-after').length / n;
    expect(failed).toBeGreaterThan(0.18);
    expect(failed).toBeLessThan(0.22);
    expect(after).toBeGreaterThan(0.04);
    expect(after).toBeLessThan(0.06);
  });

  it('never fails at rate 0', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 1000; i++)
      expect(decideFault({ failureRate: 0, lostResponseShare: 1 }, random).kind).toBe('none');
  });
});

describe('latency', () => {
  it('has the configured median and p95, clamped to max', () => {
    const random = seededRandom(7);
    const samples = Array.from({ length: 20_000 }, () =>
      sampleLatencyMs({ medianMs: 10, p95Ms: 40, maxMs: 100 }, random),
    ).sort((a, b) => a - b);
    expect(samples[10_000]).toBeGreaterThan(9);
    expect(samples[10_000]).toBeLessThan(11);
    expect(samples[19_000]).toBeGreaterThan(36);
    expect(samples[19_000]).toBeLessThan(44);
    expect(samples.at(-1)).toBeLessThanOrEqual(100);
  });

  it('is zero when disabled', () => {
    expect(sampleLatencyMs({ medianMs: 0, p95Ms: 10, maxMs: 10 }, Math.random)).toBe(0);
  });
});

describe('catalogue', () => {
  it('knows SKU-00000 to SKU-99999 only', () => {
    expect(isKnownSku(skuFor(42))).toBe(true);
    expect(skuFor(42)).toBe('SKU-00042');
    expect(isKnownSku('SKU-1')).toBe(false);
    expect(isKnownSku('UNKNOWN-1-2')).toBe(false);
  });
});
