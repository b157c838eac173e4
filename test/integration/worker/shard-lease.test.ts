// Shard leases with fencing tokens (#13) on a real Redis: one owner per shard, a newer lease has a
// larger token, a stale owner can neither renew, take the next batch, nor acknowledge one.
import { shardKeys, shardStream } from '../../../src/contracts/shard-routing.ts';
import { LeaseLostError } from '../../../src/worker/errors.ts';
import { encodeBatch } from '../../../src/worker/message.ts';
import { ShardLeases } from '../../../src/worker/shard-leases.ts';
import { ShardQueue } from '../../../src/worker/shard-queue.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { uniqueNames } from '../../support/queue-fixture.ts';
import { waitFor } from '../../support/wait-for.ts';

const h = useQueueHarness();

const batch = (n: number) =>
  encodeBatch({
    batchId: `lease-${n}`,
    warehouse: 'WH-01',
    items: [{ sku: 'SKU-00001', delta: 1 }],
    enqueuedAt: new Date().toISOString(),
  });

test('one owner per shard; after expiry the new owner has a larger token and the stale one is fenced out', async () => {
  const names = uniqueNames('lease');
  // a's lease outlives the steps below however slow the host (a 300 ms TTL could lapse mid-way); its
  // expiry is then brought forward, as the passing of its TTL would.
  const a = new ShardLeases(h.client, { stream: names.stream, consumer: 'a', ttlMs: 60_000 });
  const b = new ShardLeases(h.client, { stream: names.stream, consumer: 'b', ttlMs: 60_000 });
  const [leaseA] = await a.acquire([0, 1], 1);
  expect(leaseA?.shard).toBe(0);
  // b asks for both: shard 0 is a's, so it gets shard 1 only.
  const taken = await b.acquire([0, 1], 2);
  expect(taken.map((l) => l.shard)).toEqual([1]);

  const options = {
    stream: shardStream(names.stream, 0),
    consumerGroup: names.consumerGroup,
    deadLetterStream: names.deadLetterStream,
    markerTtlSeconds: 3600,
  };
  const queueA = new ShardQueue(h.client, { ...options, consumer: 'a' }, leaseA!);
  await queueA.ensureGroup();
  for (let n = 0; n < 3; n++) await h.client.xAdd(options.stream, '*', batch(n));
  const first = await queueA.next();
  expect(first.kind).toBe('entry');
  const entryA = first.kind === 'entry' ? first.entry : undefined;

  // a stops renewing (a pause, a partition): its lease expires and b takes the shard.
  await h.client.pExpire(shardKeys(names.stream).lease(0), 1);
  await waitFor(
    () => h.client.exists(shardKeys(names.stream).lease(0)),
    (n) => n === 0,
    {
      timeoutMs: 5000,
      what: "a's lease to expire",
    },
  );
  const [leaseB] = await b.acquire([0], 1);
  expect(leaseB?.shard).toBe(0);
  expect(leaseB!.token).toBeGreaterThan(leaseA!.token);
  const queueB = new ShardQueue(h.client, { ...options, consumer: 'b' }, leaseB!);

  // The stale owner: no renewal, no next batch, no acknowledgement (its markers are still written).
  expect(await a.renew([leaseA!])).toEqual([leaseA]);
  expect(await queueA.next()).toEqual({ kind: 'lost' });
  const marker = { key: `${names.stream}:applied:lease-0:0`, value: 'print' };
  await expect(queueA.finish(entryA!.id, [marker], [])).rejects.toBeInstanceOf(LeaseLostError);
  expect(await h.client.get(marker.key)).toBe('print');

  // The new owner starts with the batch a left pending (in order, its redelivery counted), then goes on.
  const resumed = await queueB.next();
  expect(resumed).toMatchObject({ kind: 'entry', entry: { id: entryA!.id, deliveries: 2 } });
  await queueB.finish(entryA!.id, [], []);
  const following = await queueB.next();
  expect(following.kind === 'entry' && following.entry.id > entryA!.id).toBe(true);
  expect((await h.client.xPending(options.stream, names.consumerGroup)).pending).toBe(1);

  // Release deletes only one's own lease.
  await a.release(leaseA!);
  expect(await h.client.get(leaseB!.key)).toBe(leaseB!.value);
  await b.release(leaseB!);
  expect(await h.client.exists(leaseB!.key)).toBe(0);
});
