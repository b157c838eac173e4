import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../../../src/worker/map-limit.ts';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and the results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([30, 5, 20, 1, 10, 2], 2, async (ms, i) => {
      peak = Math.max(peak, ++inFlight);
      await sleep(ms);
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
