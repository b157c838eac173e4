// The bench's in-process sampler of where memory is at the peak resident set (#14).
import { samplePeakMemory } from '../../bench/peak-memory.ts';
import { waitFor } from '../../support/wait-for.ts';

describe('samplePeakMemory', () => {
  test('keeps the highest sample, with the V8 heap and file-backed figures of that moment', async () => {
    const seen: number[] = [];
    const peak = samplePeakMemory(5, (p) => seen.push(p.rssBytes));
    const first = await waitFor(peak, (p) => p !== undefined, {
      timeoutMs: 5000,
      intervalMs: 5,
      what: 'a sample',
    });
    // 64 MiB touched page by page: the resident set grows past the first sample.
    const ballast = Buffer.alloc(64 * 2 ** 20, 1);
    const later = await waitFor(peak, (p) => (p?.rssBytes ?? 0) > (first?.rssBytes ?? 0) + 32 * 2 ** 20, {
      timeoutMs: 5000,
      intervalMs: 5,
      what: 'a higher peak',
    });
    expect(ballast.length).toBeGreaterThan(0);
    expect(later?.heapTotalBytes).toBeGreaterThanOrEqual(later?.heapUsedBytes ?? Infinity);
    expect(later?.externalBytes).toBeGreaterThanOrEqual(64 * 2 ** 20);
    expect(later?.rssFileBytes).toBeGreaterThan(0);
    expect(later?.rssFileBytes).toBeLessThan(later?.rssBytes ?? 0);
    // Each reported peak is higher than the one before.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
