import {
  batchMessageSchema,
  encodeBatch,
  itemKey,
  parseBatchFields,
  plainBatch,
} from '../../../src/worker/message.ts';

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

describe('plainBatch (#12: the hot path check, a conservative twin of batchMessageSchema)', () => {
  const item = { sku: 'SKU-1', delta: 1 };
  const variants: unknown[] = [
    batch,
    { ...batch, extra: 1, items: [{ ...item, note: 'x' }] },
    { ...batch, items: [{ sku: 'S', target: 0 }] },
    { ...batch, items: [{ sku: 'S', target: -1 }] },
    { ...batch, items: [{ sku: 'S', delta: -3 }] },
    { ...batch, items: [{ sku: 'S', delta: 2 ** 53 }] },
    { ...batch, items: [{ sku: 'S', delta: 1, key: '' }] },
    { ...batch, items: [{ sku: 'S', delta: 1, key: 'k'.repeat(256) }] },
    { ...batch, items: [{ sku: 'S', delta: 1, key: 'k'.repeat(257) }] },
    { ...batch, items: [{ sku: '', delta: 1 }] },
    { ...batch, items: [{ sku: 's'.repeat(129), delta: 1 }] },
    { ...batch, items: [{ sku: 'S', delta: null }] },
    { ...batch, items: [{ sku: 'S', delta: '1' }] },
    { ...batch, items: [null] },
    { ...batch, items: Array.from({ length: 1000 }, () => item) },
    { ...batch, items: Array.from({ length: 1001 }, () => item) },
    { ...batch, items: {} },
    { ...batch, batchId: '' },
    { ...batch, batchId: 'b'.repeat(200) },
    { ...batch, batchId: 'b'.repeat(201) },
    { ...batch, batchId: 7 },
    { ...batch, warehouse: 'w'.repeat(129) },
    { ...batch, enqueuedAt: '2025-01-01T00:00:00+02:00' },
    { ...batch, enqueuedAt: '2025-01-01T00:00:00' },
    { ...batch, enqueuedAt: '2025-02-30T00:00:00Z' },
    { ...batch, enqueuedAt: undefined },
    [batch],
    'text',
    null,
  ];

  it.each(variants.map((v, i) => [i, v]))('variant %i: same verdict and output as zod', (_i, json) => {
    const zod = batchMessageSchema.safeParse(json);
    const plain = plainBatch(json);
    if (plain) expect(zod).toEqual({ success: true, data: plain });
    else expect(zod.success).toBe(false);
  });

  it('takes the hot path for what the CLI enqueues', () => {
    expect(plainBatch(batch)).toEqual(batch);
  });
});
