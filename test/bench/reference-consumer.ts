// The worker benchmark's reference: the least a Redis Streams consumer can do to apply batches upstream.
// XREADGROUP (own blocking connection) → one HTTP POST per item (undici keep-alive pool) → XACK, with
// the same concurrency as the worker (batches in flight, items of one batch at once). No retries, no
// idempotency markers, no metrics, no logs, no validation beyond JSON.parse. Run as a child process by
// worker-throughput.ts; sends `ready` over the IPC channel once connected, runs until SIGTERM.
import { createClient } from 'redis';
import { Pool } from 'undici';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const stream = env('STREAM');
const group = env('GROUP');
const consumer = env('CONSUMER');
const batches = Number(env('BATCHES'));
const itemsPerBatch = Number(env('ITEMS_PER_BATCH'));
const readCount = Number(env('READ_COUNT'));
const upstream = new URL(env('UPSTREAM_URL'));

interface Item {
  sku: string;
  delta?: number;
  target?: number;
}
interface Batch {
  batchId: string;
  warehouse: string;
  items: Item[];
}

const client = createClient({ url: env('REDIS_URL') });
const reader = client.duplicate();
await Promise.all([client.connect(), reader.connect()]);
const pool = new Pool(upstream.origin, { connections: batches * itemsPerBatch, keepAliveTimeout: 10_000 });
const path = `${upstream.pathname.replace(/\/$/, '')}/v1/inventory/apply`;

async function post(batch: Batch, item: Item, index: number): Promise<void> {
  const response = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', 'idempotency-key': `${batch.batchId}:${index}` },
    body: JSON.stringify({ warehouse: batch.warehouse, batchId: batch.batchId, ...item }),
  });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`upstream answered ${response.statusCode}`);
}

async function processEntry(id: string, fields: Record<string, string>): Promise<void> {
  const batch = JSON.parse(fields.batch ?? '{}') as Batch;
  let next = 0;
  const lane = async () => {
    while (next < batch.items.length) {
      const index = next++;
      await post(batch, batch.items[index] as Item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(itemsPerBatch, batch.items.length) }, lane));
  await client.xAck(stream, group, id);
}

let stopping = false;
let inFlight = 0;
let slotFreed: (() => void) | undefined;
process.once('SIGTERM', () => {
  stopping = true;
  slotFreed?.();
});

process.send?.('ready');
while (!stopping) {
  if (inFlight >= batches) {
    await new Promise<void>((resolve) => (slotFreed = resolve));
    continue;
  }
  const reply = (await reader.xReadGroup(
    group,
    consumer,
    { key: stream, id: '>' },
    { COUNT: Math.min(readCount, batches - inFlight), BLOCK: 1000 },
  )) as { messages: { id: string; message: Record<string, string> }[] }[] | null;
  for (const { id, message } of reply?.[0]?.messages ?? []) {
    inFlight++;
    processEntry(id, message)
      .catch((error: unknown) => console.error(`batch ${id}: ${String(error)}`))
      .finally(() => {
        inFlight--;
        const wake = slotFreed;
        slotFreed = undefined;
        wake?.();
      });
  }
}
process.disconnect?.();
await pool.close();
await Promise.all([client.close(), reader.close()]);
process.exit(0);
