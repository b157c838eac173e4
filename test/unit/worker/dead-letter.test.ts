import {
  batchDeadLetter,
  itemDeadLetter,
  matchesFilter,
  parseDeadLetter,
} from '../../../src/worker/dead-letter.ts';
import { parseBatchFields } from '../../../src/worker/message.ts';

const ctx = { sourceId: '1-0', deliveries: 2, consumer: 'w', failedAt: new Date('2025-01-01T00:00:00Z') };
const batch = {
  batchId: 'b',
  warehouse: 'WH-01',
  items: [
    { sku: 'SKU-00001', delta: 1 },
    { sku: 'BAD', delta: 2 },
  ],
  enqueuedAt: '2025-01-01T00:00:00Z',
};

describe('dead letters', () => {
  it('an item entry holds a replayable one-item batch with the original idempotency key', () => {
    const fields = itemDeadLetter(
      batch,
      batch.items[1] as (typeof batch.items)[number],
      'b:1',
      'UNKNOWN_SKU',
      'nope',
      ctx,
    );
    const entry = parseDeadLetter('9-0', fields);
    expect(entry).toMatchObject({
      kind: 'item',
      errorCode: 'UNKNOWN_SKU',
      itemKey: 'b:1',
      warehouse: 'WH-01',
      deliveries: 2,
    });
    const replay = parseBatchFields({ batch: entry.batch });
    expect(replay.ok && replay.batch.items).toEqual([{ sku: 'BAD', delta: 2, key: 'b:1' }]);
  });

  it('a malformed message keeps all its original fields', () => {
    const fields = batchDeadLetter({ foo: 'bar' }, undefined, 'INVALID_MESSAGE', 'missing field', ctx);
    expect(fields).toMatchObject({
      kind: 'message',
      error_code: 'INVALID_MESSAGE',
      batch: '',
      original_fields: '{"foo":"bar"}',
    });
  });

  it('filters by error code, warehouse, batch and kind', () => {
    const entry = parseDeadLetter(
      '1-0',
      batchDeadLetter({ batch: '{}' }, batch, 'MAX_DELIVERIES_EXCEEDED', 'x', ctx),
    );
    expect(matchesFilter(entry, {})).toBe(true);
    expect(
      matchesFilter(entry, { errorCode: 'MAX_DELIVERIES_EXCEEDED', warehouse: 'WH-01', kind: 'batch' }),
    ).toBe(true);
    expect(matchesFilter(entry, { errorCode: 'UNKNOWN_SKU' })).toBe(false);
    expect(matchesFilter(entry, { warehouse: 'WH-02' })).toBe(false);
    expect(matchesFilter(entry, { batchId: 'other' })).toBe(false);
  });
});
