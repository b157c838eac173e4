// Warehouse shards (#13): the queue figures (worker gauges, `queue stats`, the operator's queue lag for
// the HPA) are summed over the shard streams, with each shard's own figures kept, on a real Redis.
import { enqueueBatches } from '../../../src/cli/enqueue-batches.ts';
import { readQueueStats } from '../../../src/contracts/queue-stats.ts';
import { shardOf, shardStream } from '../../../src/contracts/shard-routing.ts';
import { syntheticBatches } from '../../../src/cli/workload.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { uniqueNames } from '../../support/queue-fixture.ts';

const h = useQueueHarness();

test('lag and pending are summed over the shards; each shard keeps its own figures', async () => {
  const names = uniqueNames('shard-stats');
  const shards = 4;
  const batches = [
    ...syntheticBatches({ batches: 60, warehouses: 8, minItems: 1, maxItems: 3, runId: 'st' }),
  ];
  await enqueueBatches(h.client, batches, { stream: names.stream, shards });
  const perShard = Array.from(
    { length: shards },
    (_, s) => batches.filter((b) => shardOf(b.warehouse, shards) === s).length,
  );
  expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(1);
  // Every batch went to its warehouse's shard stream, none to the stream itself.
  expect(await h.client.xLen(names.stream)).toBe(0);
  for (let s = 0; s < shards; s++) {
    expect(await h.client.xLen(shardStream(names.stream, s))).toBe(perShard[s]);
    await h.client.xGroupCreate(shardStream(names.stream, s), names.consumerGroup, '0', { MKSTREAM: true });
  }
  // One batch delivered (pending) on the first shard that has entries.
  const busy = perShard.findIndex((n) => n > 0);
  await h.client.xReadGroup(
    names.consumerGroup,
    'c',
    { key: shardStream(names.stream, busy), id: '>' },
    { COUNT: 1 },
  );

  const stats = await readQueueStats(h.client, { ...names, shards });
  expect(stats.lag).toBe(batches.length - 1);
  expect(stats.pending).toBe(1);
  expect(stats.length).toBe(batches.length);
  expect(stats.shards?.map((s) => (s.lag ?? 0) + s.pending)).toEqual(perShard);
  expect(stats.shards?.[busy]?.pending).toBe(1);
  // Read as unsharded, the same queue looks empty: what the HPA would have seen without the sum.
  expect((await readQueueStats(h.client, names)).lag).toBe(0);
});
