// Queue figures for `inventorybot queue stats` and the worker's queue gauges.
import type { RedisClient } from './redis-connection.ts';

export interface QueueStats {
  length: number;
  lag: number | undefined;
  pending: number;
  oldestPendingSeconds: number;
  deadLetters: number;
  consumers: number;
}

/** Milliseconds part of a stream id ("1700000000000-3"). */
export function idTimeMs(id: string): number {
  return Number(id.split('-')[0]);
}

export async function readQueueStats(
  client: RedisClient,
  names: { stream: string; consumerGroup: string; deadLetterStream: string },
  nowMs: number = Date.now(),
): Promise<QueueStats> {
  const [length, deadLetters, groups] = await Promise.all([
    client.xLen(names.stream),
    client.xLen(names.deadLetterStream),
    client.xInfoGroups(names.stream).catch(() => []),
  ]);
  const group = groups.find((g) => g.name === names.consumerGroup);
  if (!group) {
    return { length, lag: length, pending: 0, oldestPendingSeconds: 0, deadLetters, consumers: 0 };
  }
  const summary = await client.xPending(names.stream, names.consumerGroup);
  const oldest = summary.firstId ? Math.max(0, (nowMs - idTimeMs(summary.firstId)) / 1000) : 0;
  const lag = group.lag === null || group.lag === undefined ? undefined : Number(group.lag);
  return {
    length,
    lag,
    pending: Number(group.pending),
    oldestPendingSeconds: oldest,
    deadLetters,
    consumers: Number(group.consumers),
  };
}
