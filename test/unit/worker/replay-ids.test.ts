// The batch id `dlq replay --new-batch-id` gives a BATCH_ID_REUSED dead letter, and the item key
// `--new-item-key` gives an IDEMPOTENCY_KEY_REUSED one (#11): valid under the message schema for any old
// id, readable, and the same for the same entry.
import { encodeBatch, parseBatchFields } from '../../../src/worker/message.ts';
import { replayBatchId, replayItemKey } from '../../../src/worker/replay-ids.ts';

const ENTRY = '1764547200000-12345';
const valid = (batchId: string) =>
  parseBatchFields(
    encodeBatch({
      batchId,
      warehouse: 'WH-01',
      items: [{ sku: 'S', delta: 1 }],
      enqueuedAt: new Date().toISOString(),
    }),
  ).ok;

test('a short id gets the entry id appended', () => {
  expect(replayBatchId('order-7', ENTRY)).toBe(`order-7~replay-${ENTRY}`);
  expect(valid(replayBatchId('order-7', ENTRY))).toBe(true);
});

test('an id at the schema bound still yields a valid id: a prefix, a digest of it all, the entry id', () => {
  const long = 'x'.repeat(200);
  const id = replayBatchId(long, ENTRY);
  expect(id).toHaveLength(200);
  expect(id).toMatch(new RegExp(`^x+~[A-Za-z0-9_-]{22}~replay-${ENTRY}$`));
  expect(valid(id)).toBe(true);
  // Two long ids sharing the kept prefix stay distinct.
  expect(replayBatchId(`${'x'.repeat(199)}y`, ENTRY)).not.toBe(id);
});

test('never splits a surrogate pair (idempotency keys are UTF-8 encoded)', () => {
  const emoji = '📦'.repeat(100); // 200 UTF-16 units
  for (const old of [emoji, `a${emoji.slice(0, -2)}`]) {
    const id = replayBatchId(old, ENTRY);
    expect(id.length).toBeLessThanOrEqual(200);
    expect(valid(id)).toBe(true);
    expect(() => encodeURIComponent(id)).not.toThrow();
  }
});

test('deterministic: the same entry always gets the same id, another entry another one', () => {
  expect(replayBatchId('order-7', ENTRY)).toBe(replayBatchId('order-7', ENTRY));
  expect(replayBatchId('order-7', '1764547200000-0')).not.toBe(replayBatchId('order-7', ENTRY));
});

test('an item key gets the same treatment within the key bound (256)', () => {
  const validKey = (key: string) =>
    parseBatchFields(
      encodeBatch({
        batchId: 'b',
        warehouse: 'WH-01',
        items: [{ sku: 'S', delta: 1, key }],
        enqueuedAt: new Date().toISOString(),
      }),
    ).ok;
  expect(replayItemKey('adjust-b', ENTRY)).toBe(`adjust-b~replay-${ENTRY}`);
  const long = 'k'.repeat(256);
  expect(validKey(long)).toBe(true);
  const key = replayItemKey(long, ENTRY);
  expect(key).toHaveLength(256);
  expect(validKey(key)).toBe(true);
  expect(replayItemKey(long, ENTRY)).toBe(key);
});
