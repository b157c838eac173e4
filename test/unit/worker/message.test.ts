import { encodeBatch, itemKey, parseBatchFields } from '../../../src/worker/message.ts';

const batch = {
  batchId: 'b-1',
  warehouse: 'WH-01',
  items: [
    { sku: 'SKU-00001', delta: 2 },
    { sku: 'SKU-00002', target: 5, key: 'own' },
  ],
  enqueuedAt: '2025-01-01T00:00:00.000Z',
};

describe('parseBatchFields', () => {
  it('round-trips a valid batch', () => {
    expect(parseBatchFields(encodeBatch(batch))).toEqual({ ok: true, batch });
  });

  it.each([
    [{}, /missing field "batch"/],
    [{ batch: '{oops' }, /not JSON/],
    [{ batch: JSON.stringify({ ...batch, items: [] }) }, /items/],
    [
      { batch: JSON.stringify({ ...batch, items: [{ sku: 'S', delta: 1, target: 2 }] }) },
      /exactly one of delta or target/,
    ],
    [{ batch: JSON.stringify({ ...batch, items: [{ sku: 'S' }] }) }, /exactly one of delta or target/],
    [{ batch: JSON.stringify({ ...batch, items: [{ sku: 'S', delta: 1.5 }] }) }, /items\.0\.delta/],
    [{ batch: JSON.stringify({ ...batch, enqueuedAt: 'yesterday' }) }, /enqueuedAt/],
    [{ batch: 'null' }, /\(root\)/],
  ])('rejects %j without throwing', (fields, reason) => {
    const parsed = parseBatchFields(fields as Record<string, string>);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(reason);
  });
});

describe('itemKey', () => {
  it("uses the item's own key, else batch id and index", () => {
    expect(itemKey(batch, batch.items[0] as { key?: string }, 0)).toBe('b-1:0');
    expect(itemKey(batch, batch.items[1] as { key?: string }, 1)).toBe('own');
  });
});
