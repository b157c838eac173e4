// The worker benchmark's BullMQ reference (#12): what a Node user would write instead of InventoryBot.
// One BullMQ job per batch, one POST per item with an Idempotency-Key (undici keep-alive pool), the same
// concurrency (jobs in flight × items of one job at once), 5 attempts with exponential backoff and full
// jitter (BullMQ's `jitter: 1`). MODE=whole retries the whole job; MODE=skip-done records the items that
// succeeded in the job's data before failing, and a retry skips them (the careful variant).
// Child process of worker-throughput.ts: `ready` over IPC once connected, starts on `go`, reports
// `{ done, failed }` when every job has completed or failed for good, runs until SIGTERM.
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const queueName = env('QUEUE');
const jobs = Number(env('JOBS'));
const concurrency = Number(env('BATCHES'));
const itemsPerBatch = Number(env('ITEMS_PER_BATCH'));
const skipDone = env('MODE') === 'skip-done';
const upstream = new URL(env('UPSTREAM_URL'));

interface Item {
  sku: string;
  delta?: number;
  target?: number;
  key?: string;
}
interface BatchJob {
  batchId: string;
  warehouse: string;
  items: Item[];
  done?: number[];
}

const pool = new Pool(upstream.origin, {
  connections: concurrency * itemsPerBatch,
  keepAliveTimeout: 10_000,
});
const path = `${upstream.pathname.replace(/\/$/, '')}/v1/inventory/apply`;

async function post(batch: BatchJob, item: Item, index: number): Promise<void> {
  const response = await pool.request({
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      'idempotency-key': item.key ?? `${batch.batchId}:${index}`,
    },
    body: JSON.stringify({ warehouse: batch.warehouse, batchId: batch.batchId, ...item }),
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`upstream answered ${response.statusCode}`);
}

async function processJob(job: Job<BatchJob>): Promise<void> {
  const batch = job.data;
  const done = new Set(skipDone ? (batch.done ?? []) : []);
  const todo = batch.items.map((_, i) => i).filter((i) => !done.has(i));
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < todo.length) {
      const index = todo[next++] as number;
      try {
        await post(batch, batch.items[index] as Item, index);
        done.add(index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(itemsPerBatch, todo.length) }, lane));
  if (failure !== undefined) {
    if (skipDone) await job.updateData({ ...batch, done: [...done] });
    throw failure;
  }
}

const connection = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
// Jobs added with `backoff: { type: 'capped' }` (#12): exponential with full jitter from the InventoryBot
// worker's retry.baseDelayMs default, at most its retry.maxDelayMs (BullMQ's own exponential backoff has no
// ceiling); worker-throughput.ts reads both from the spec's schema.
const cappedBase = Number(env('CAPPED_BACKOFF_BASE_MS'));
const cappedMax = Number(env('CAPPED_BACKOFF_MAX_MS'));
const capped = (attemptsMade: number) =>
  Math.random() * Math.min(cappedMax, cappedBase * 2 ** Math.max(0, attemptsMade - 1));
const worker = new Worker<BatchJob>(queueName, processJob, {
  connection,
  concurrency,
  autorun: false,
  settings: { backoffStrategy: capped },
});
let completed = 0;
let failed = 0;
const report = () => {
  if (completed + failed === jobs) process.send?.({ done: completed, failed });
};
worker.on('completed', () => {
  completed++;
  report();
});
worker.on('failed', (job) => {
  if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
    failed++;
    report();
  }
});
await worker.waitUntilReady();
process.on('message', (message) => {
  if (message === 'go') void worker.run();
});
process.send?.('ready');
process.once('SIGTERM', () => {
  process.disconnect?.();
  void worker
    .close()
    .then(() => pool.close())
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
