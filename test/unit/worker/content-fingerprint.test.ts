import {
  batchFingerprint,
  compareMarker,
  itemFingerprint,
  markerValue,
} from '../../../src/worker/content-fingerprint.ts';

const batch = {
  batchId: 'b1',
  warehouse: 'WH-1',
  items: [
    { sku: 'SKU-1', delta: 1 },
    { sku: 'SKU-2', target: 5 },
  ],
  enqueuedAt: '2026-01-01T00:00:00Z',
};

describe('marker fingerprints (issue 11: a reused batch id is detected, not dropped)', () => {
  const bp = batchFingerprint(batch);
  const ip = itemFingerprint('WH-1', batch.items[0] as (typeof batch.items)[number]);

  it('the same batch re-sent later is the same batch', () => {
    expect(batchFingerprint({ ...batch, enqueuedAt: '2027-01-01T00:00:00Z' })).toBe(bp);
    expect(compareMarker(markerValue(ip, bp), ip, bp)).toBe('same');
  });

  it('any other content under the same batch id differs, even when this item is equal', () => {
    const other = batchFingerprint({
      ...batch,
      items: [batch.items[0] as never, { sku: 'SKU-2', target: 6 }],
    });
    expect(other).not.toBe(bp);
    expect(compareMarker(markerValue(ip, bp), ip, other)).toBe('batch-differs');
    expect(batchFingerprint({ ...batch, warehouse: 'WH-2' })).not.toBe(bp);
  });

  it('an item with its own key is compared by its operation', () => {
    const own = itemFingerprint('WH-1', { sku: 'SKU-1', delta: 2 });
    expect(compareMarker(markerValue(ip, undefined), own, undefined)).toBe('item-differs');
    expect(compareMarker(markerValue(ip, undefined), ip, undefined)).toBe('same');
    // A replayed one-item dead letter carries its original (derived) key as its own key.
    expect(compareMarker(markerValue(ip, bp), ip, undefined)).toBe('same');
  });

  it('no marker, or a marker from before fingerprints', () => {
    expect(compareMarker(null, ip, bp)).toBe('absent');
    expect(compareMarker('1764460800000', ip, bp)).toBe('same');
  });
});
