// Puts batches on the stream (or, with shards, on the shard stream of each batch's warehouse, #13),
// optionally at a fixed rate, reporting progress.
import { setTimeout as sleep } from 'node:timers/promises';
import { streamForWarehouse } from '../contracts/shard-routing.ts';
import { encodeBatch, type BatchMessage } from '../worker/message.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';

export interface EnqueueOptions {
  stream: string;
  /** spec.queue.shards: 0 (default) puts every batch on `stream` itself. */
  shards?: number;
  /** Batches per second; undefined: as fast as Redis takes them (pipelined in chunks). */
  ratePerSecond?: number;
  onProgress?: (done: number) => void;
}

const CHUNK = 100;

export async function enqueueBatches(
  client: RedisClient,
  batches: Iterable<BatchMessage>,
  options: EnqueueOptions,
): Promise<number> {
  let done = 0;
  const started = performance.now();
  let chunk: BatchMessage[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const multi = client.multi();
    for (const batch of chunk) {
      multi.xAdd(
        streamForWarehouse(options.stream, options.shards ?? 0, batch.warehouse),
        '*',
        encodeBatch(batch),
      );
    }
    await multi.execAsPipeline();
    done += chunk.length;
    chunk = [];
    options.onProgress?.(done);
  };
  for (const batch of batches) {
    chunk.push(batch);
    if (options.ratePerSecond) {
      await flush();
      const due = started + (done / options.ratePerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    } else if (chunk.length >= CHUNK) {
      await flush();
    }
  }
  await flush();
  return done;
}
