// A worker's heartbeat keeps its own batches from being reclaimed, and never takes back a batch another
// worker reclaimed meanwhile (a stalled worker's late heartbeat): one owner per pending entry. Real Redis.
import { StreamQueue } from '../../../src/worker/stream-queue.ts';
import type { RedisClient } from '../../../src/contracts/redis-connection.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { connect, uniqueNames } from '../../support/queue-fixture.ts';

const h = useQueueHarness();
let reader: RedisClient;

beforeAll(async () => {
  reader = await connect(h.redis.url);
});
afterAll(async () => {
  await reader.close();
});

async function owners(stream: string, group: string): Promise<Record<string, string>> {
  const pending = await h.client.xPendingRange(stream, group, '-', '+', 100);
  return Object.fromEntries(pending.map((p) => [p.id, p.consumer]));
}

test('a heartbeat renews only the entries still pending on this worker', async () => {
  const names = uniqueNames('heartbeat-own');
  const queue = (consumer: string) =>
    new StreamQueue(h.client, reader, { ...names, consumer, markerTtlSeconds: 60 });
  const stalled = queue('stalled');
  const other = queue('other');
  await stalled.ensureGroup();
  const ids = [
    await h.client.xAdd(names.stream, '*', { batch: '{}' }),
    await h.client.xAdd(names.stream, '*', { batch: '{}' }),
  ];
  expect((await stalled.read(2, 100)).map((e) => e.id)).toEqual(ids);

  // The other worker reclaims the first entry (as XAUTOCLAIM does once the stalled worker went quiet).
  const [taken, kept] = ids as [string, string];
  expect(await h.client.xClaimJustId(names.stream, names.consumerGroup, 'other', 0, [taken])).toEqual([
    taken,
  ]);

  // The stalled worker's late heartbeat names both: it renews its own and leaves the reclaimed one be.
  const renewed = await stalled.heartbeat(ids);
  expect(await owners(names.stream, names.consumerGroup)).toEqual({ [taken]: 'other', [kept]: 'stalled' });
  expect(renewed).toBe(1);
  // Delivery counts are not bumped by a heartbeat (JUSTID): 1 read + 1 claim for the taken entry.
  const counts = await h.client.xPendingRange(names.stream, names.consumerGroup, '-', '+', 100);
  expect(Object.fromEntries(counts.map((p) => [p.id, p.deliveriesCounter]))).toEqual({
    [taken]: 1,
    [kept]: 1,
  });
  // The owner's own heartbeat still works.
  expect(await other.heartbeat([taken])).toBe(1);
  expect(await stalled.heartbeat([])).toBe(0);
});
