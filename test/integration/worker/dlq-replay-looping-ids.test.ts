// `inventorybot dlq replay` of dead letters whose ids can only loop (#11): BATCH_ID_REUSED batches and
// IDEMPOTENCY_KEY_REUSED items. For the first: Under the id it reused the batch is
// only dead-lettered again, forever: by default replay leaves such entries where they are and says why
// and which flag to use; `--new-batch-id` re-queues them under `<old id>~replay-<entry id>` on their
// warehouse's shard (#13), so a real worker applies the content exactly once, while items with their own
// key that were applied before stay skipped. The real CLI in a child process, a real worker and Redis.
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { shardStreams, streamForWarehouse } from '../../../src/contracts/shard-routing.ts';
import { skuFor } from '../../../src/simulator/catalogue.ts';
import { listDeadLetters } from '../../../src/worker/dead-letter-store.ts';
import { encodeIdempotencyKey } from '../../../src/worker/idempotency-key.ts';
import { BATCH_FIELD, type BatchMessage } from '../../../src/worker/message.ts';
import { replayBatchId, replayItemKey } from '../../../src/worker/replay-ids.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';

jest.setTimeout(90_000);

const h = useQueueHarness();
const SHARDS = 4;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--experimental-strip-types', '--no-warnings', resolve('src/cli/main.ts'), ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** The CLI's queue options for a rig's Redis and streams. */
const cliQueueArgs = (names: { stream: string; deadLetterStream: string }) => [
  '--redis-url',
  h.redis.url,
  '--stream',
  names.stream,
  '--dead-letter-stream',
  names.deadLetterStream,
];

const batch = (batchId: string, items: BatchMessage['items']): BatchMessage => ({
  batchId,
  warehouse: 'WH-03',
  items,
  enqueuedAt: new Date().toISOString(),
});

/** Every batch id on the stream and its shards, in order. */
async function queuedBatchIds(stream: string): Promise<string[]> {
  const ids: string[] = [];
  for (const s of [stream, ...shardStreams(stream, SHARDS)])
    for (const e of (await h.client.xRange(s, '-', '+')) ?? [])
      ids.push((JSON.parse(e.message[BATCH_FIELD] as string) as BatchMessage).batchId);
  return ids;
}

test('BATCH_ID_REUSED: replay leaves it with a clear line; --new-batch-id applies it once, keyed items not twice', async () => {
  const rig = await h.startWorkerRig({
    label: 'replay-reused',
    simulator: { faults: { failureRate: 0 } },
    config: { queue: { shards: SHARDS } },
  });
  const { sim, names } = rig;
  const queueArgs = [...cliQueueArgs(names), '--shards', String(SHARDS)];
  await rig.startWorker('replay-reused');

  // Applied first: a keyless item and one with its own key.
  await rig.enqueueBatches([
    batch('order-7', [
      { sku: skuFor(1), delta: 5 },
      { sku: skuFor(2), delta: 2, key: 'adjust-b' },
    ]),
  ]);
  await rig.settled();
  // The producer reuses the id for other content: the same keyed item, a new keyless and a new keyed one.
  await rig.enqueueBatches([
    batch('order-7', [
      { sku: skuFor(3), delta: 3 },
      { sku: skuFor(2), delta: 2, key: 'adjust-b' },
      { sku: skuFor(4), delta: 1, key: 'adjust-d' },
    ]),
  ]);
  await rig.settled();
  const [dead, ...more] = await listDeadLetters(h.client, names.deadLetterStream);
  expect(more).toEqual([]);
  expect(dead).toMatchObject({ errorCode: 'BATCH_ID_REUSED', batchId: 'order-7', kind: 'batch' });
  expect(sim.ledger.summary()).toMatchObject({ applied: 2, duplicates: 0 });
  expect(await queuedBatchIds(names.stream)).toEqual(['order-7', 'order-7']);

  // Default: not re-queued (it would be dead-lettered again, a loop), left in place with the reason and the flag.
  const plain = await cli(['dlq', 'replay', ...queueArgs]);
  expect(plain.code).toBe(0);
  await rig.settled();
  // The very same entry (not a new dead letter of a replay: the loop), nothing queued, nothing applied.
  const after = await listDeadLetters(h.client, names.deadLetterStream);
  expect(after.map((d) => [d.id, d.errorCode])).toEqual([[dead?.id, 'BATCH_ID_REUSED']]);
  expect(await queuedBatchIds(names.stream)).toEqual(['order-7', 'order-7']);
  expect(sim.ledger.summary()).toMatchObject({ applied: 2 });
  expect(plain.stdout.trim()).toBe(
    `replayed 0 entries onto ${names.stream}; skipped 0 without a batch; left 1 BATCH_ID_REUSED entries in ` +
      'the dead-letter stream: their batch id was applied before with other content, so under it they ' +
      'would be dead-lettered again; replay them with --new-batch-id to apply their content as new work',
  );

  expect((await cli(['dlq', 'replay', '--help'])).stdout).toMatch(/--new-batch-id\s+replay BATCH_ID_REUSED/);

  // --new-batch-id: under a new, deterministic id, on the warehouse's shard, removed from the DLQ.
  const renamed = await cli(['dlq', 'replay', ...queueArgs, '--new-batch-id']);
  expect(renamed.code).toBe(0);
  expect(renamed.stdout.trim()).toBe(
    `replayed 1 entries onto ${names.stream} (1 under a new batch id); skipped 0 without a batch`,
  );
  const newId = replayBatchId('order-7', dead?.id as string);
  expect(newId).toBe(`order-7~replay-${dead?.id}`);
  const shard = streamForWarehouse(names.stream, SHARDS, 'WH-03');
  const last = ((await h.client.xRevRange(shard, '+', '-', { COUNT: 1 })) ?? [])[0];
  expect(JSON.parse(last?.message[BATCH_FIELD] as string)).toMatchObject({
    batchId: newId,
    warehouse: 'WH-03',
    items: [
      { sku: skuFor(3), delta: 3 },
      { sku: skuFor(2), delta: 2, key: 'adjust-b' },
      { sku: skuFor(4), delta: 1, key: 'adjust-d' },
    ],
  });
  await rig.settled();
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);

  // A second copy of the same replay (two operators at once) is a no-op: same id, same content.
  await h.client.xAdd(shard, '*', last?.message as Record<string, string>);
  await rig.settled();
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);

  const applications = sim.ledger.applications();
  expect(Object.fromEntries(applications)).toEqual({
    [encodeIdempotencyKey('order-7:0')]: 1,
    'adjust-b': 1, // applied with the first batch, skipped by its marker on replay
    [encodeIdempotencyKey(`${newId}:0`)]: 1,
    'adjust-d': 1,
  });
  expect(sim.ledger.summary()).toMatchObject({ applied: 4, duplicates: 0 });
  // The ledger's requests: adjust-b was not even sent again.
  expect(sim.ledger.summary().requests).toBe(4);
});

test('IDEMPOTENCY_KEY_REUSED: replay leaves it with a clear line; --new-item-key applies the operation once', async () => {
  const rig = await h.startWorkerRig({
    label: 'replay-key-reused',
    simulator: { faults: { failureRate: 0 } },
  });
  const { sim, names } = rig;
  const queueArgs = cliQueueArgs(names);
  await rig.startWorker('replay-key-reused');
  await rig.enqueueBatches([batch('order-1', [{ sku: skuFor(1), delta: 5, key: 'adjust-a' }])]);
  await rig.settled();
  // Another batch reuses the key for another operation: that item is dead-lettered, its sibling applied.
  await rig.enqueueBatches([
    batch('order-2', [
      { sku: skuFor(1), delta: 7, key: 'adjust-a' },
      { sku: skuFor(2), delta: 1 },
    ]),
  ]);
  await rig.settled();
  const [dead, ...more] = await listDeadLetters(h.client, names.deadLetterStream);
  expect(more).toEqual([]);
  expect(dead).toMatchObject({ errorCode: 'IDEMPOTENCY_KEY_REUSED', kind: 'item', itemKey: 'adjust-a' });
  expect(sim.ledger.summary()).toMatchObject({ applied: 2, duplicates: 0 });

  const plain = await cli(['dlq', 'replay', ...queueArgs]);
  expect(plain.code).toBe(0);
  await rig.settled();
  const after = await listDeadLetters(h.client, names.deadLetterStream);
  expect(after.map((d) => [d.id, d.errorCode])).toEqual([[dead?.id, 'IDEMPOTENCY_KEY_REUSED']]);
  expect(sim.ledger.summary()).toMatchObject({ applied: 2 });
  expect(plain.stdout.trim()).toBe(
    `replayed 0 entries onto ${names.stream}; skipped 0 without a batch; left 1 IDEMPOTENCY_KEY_REUSED entries ` +
      'in the dead-letter stream: their item key was applied before with another operation, so under that key ' +
      'they would be dead-lettered again; replay them with --new-item-key to apply their operation as new work',
  );

  const renamed = await cli(['dlq', 'replay', ...queueArgs, '--new-item-key']);
  expect(renamed.code).toBe(0);
  expect(renamed.stdout.trim()).toBe(
    `replayed 1 entries onto ${names.stream} (1 under a new item key); skipped 0 without a batch`,
  );
  await rig.settled();
  expect(await h.client.xLen(names.deadLetterStream)).toBe(0);
  const newKey = replayItemKey('adjust-a', dead?.id as string);
  expect(Object.fromEntries(sim.ledger.applications())).toEqual({
    'adjust-a': 1,
    [encodeIdempotencyKey('order-2:1')]: 1,
    [encodeIdempotencyKey(newKey)]: 1,
  });
  expect(sim.ledger.summary()).toMatchObject({ applied: 3, duplicates: 0 });
});
