// What each worker tells the operator about itself through Redis (#15): batches in flight and whether
// its intake is paused (no upstream can take calls). One hash per stream and consumer group, one field
// per worker (its consumer name, the pod name), refreshed every few seconds; a record older than
// PRESENCE_STALE_MS belongs to a worker that is gone. The operator reads it with the queue figures to
// hold replicas while intake is paused and to rank pods for scale-in (pod-deletion-cost).
import { z } from 'zod';
import type { RedisClient } from './redis-connection.ts';

export const presenceKey = (stream: string, consumerGroup: string) => `${stream}:workers:${consumerGroup}`;

/** How often a worker refreshes its record. */
export const PRESENCE_INTERVAL_MS = 2_000;
/** A record not refreshed for this long is ignored (and the whole hash expires after it). */
export const PRESENCE_STALE_MS = 15_000;

const recordSchema = z.object({
  inFlight: z.int().min(0),
  paused: z.boolean(),
  at: z.number(),
});

export interface WorkerPresence {
  worker: string;
  /** Batches in the worker's hands (processing, or holding items in backoff). */
  inFlight: number;
  /** Intake paused: no upstream can take calls (issue 11). */
  paused: boolean;
  /** When the worker wrote it (ms since the epoch, the worker's clock). */
  at: number;
}

export function encodePresence(p: Omit<WorkerPresence, 'worker'>): string {
  return JSON.stringify({ inFlight: p.inFlight, paused: p.paused, at: p.at });
}

/** Fresh, well-formed records only: a garbled or stale field is ignored, never fatal. */
export function decodePresence(fields: Record<string, string>, nowMs: number): WorkerPresence[] {
  const out: WorkerPresence[] = [];
  for (const [worker, raw] of Object.entries(fields)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue;
    }
    const record = recordSchema.safeParse(parsed);
    if (!record.success || nowMs - record.data.at > PRESENCE_STALE_MS) continue;
    out.push({ worker, ...record.data });
  }
  return out.sort((a, b) => a.worker.localeCompare(b.worker));
}

export async function writePresence(
  client: RedisClient,
  names: { stream: string; consumerGroup: string; worker: string },
  record: Omit<WorkerPresence, 'worker'>,
): Promise<void> {
  const key = presenceKey(names.stream, names.consumerGroup);
  await client
    .multi()
    .hSet(key, names.worker, encodePresence(record))
    .pExpire(key, PRESENCE_STALE_MS * 4)
    .exec();
}

export async function removePresence(
  client: RedisClient,
  names: { stream: string; consumerGroup: string; worker: string },
): Promise<void> {
  await client.hDel(presenceKey(names.stream, names.consumerGroup), names.worker);
}

export async function readPresence(
  client: RedisClient,
  names: { stream: string; consumerGroup: string },
  nowMs: number = Date.now(),
): Promise<WorkerPresence[]> {
  return decodePresence(await client.hGetAll(presenceKey(names.stream, names.consumerGroup)), nowMs);
}
