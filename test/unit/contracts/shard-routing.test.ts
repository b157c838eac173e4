// The producer contract of warehouse shards (#13): one stable hash that every producer can reimplement.
import { fnv1a32, shardOf, shardStream, streamForWarehouse } from '../../../src/contracts/shard-routing.ts';

test('FNV-1a 32 matches the published test vectors (so other producers can check their implementation)', () => {
  expect(fnv1a32('')).toBe(0x811c9dc5);
  expect(fnv1a32('a')).toBe(0xe40c292c);
  expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  // UTF-8 bytes, not UTF-16 code units.
  expect(fnv1a32('é')).not.toBe(fnv1a32('\u00e9'.normalize('NFD')));
});

test('a warehouse always maps to the same shard stream; sharding off keeps the stream itself', () => {
  expect(shardOf('WH-01', 8)).toBe(fnv1a32('WH-01') % 8);
  expect(streamForWarehouse('inv', 8, 'WH-01')).toBe(shardStream('inv', fnv1a32('WH-01') % 8));
  expect(streamForWarehouse('inv', 0, 'WH-01')).toBe('inv');
  expect(() => shardOf('WH-01', 0)).toThrow(RangeError);
});

test('warehouses spread over the shards', () => {
  const counts = new Array<number>(16).fill(0);
  for (let i = 0; i < 1600; i++) counts[shardOf(`WH-${i}`, 16)]! += 1;
  expect(Math.min(...counts)).toBeGreaterThan(60);
  expect(Math.max(...counts)).toBeLessThan(140);
});
