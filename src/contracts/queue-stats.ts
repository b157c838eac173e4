// Queue figures for `inventorybot queue stats`, the worker's queue gauges and the operator's queue lag.
// With warehouse shards (#13) the figures are summed over the shard streams and the stream itself (where
// unsharded producers may still write), and each shard's own figures are kept for the per-shard gauges.
import type { RedisClient } from './redis-connection.ts';
import { shardStreams } from './shard-routing.ts';

export interface StreamFigures {
  length: number;
  lag: number | undefined;
  pending: number;
  oldestPendingSeconds: number;
  consumers: number;
  /**
   * Entries the group has read for the first time (XINFO GROUPS `entries-read`, Redis 7). Minus the
   * pending ones it counts entries done (acknowledged or dead-lettered): the throughput figure (#15).
   */
  entriesRead?: number;
}

export interface QueueStats extends StreamFigures {
  deadLetters: number;
  /** Per shard stream, in shard order (empty or absent when the queue is not sharded). */
  shards?: StreamFigures[];
}

/** Milliseconds part of a stream id ("1700000000000-3"). */
export function idTimeMs(id: string): number {
  return Number(id.split('-')[0]);
}

async function readStream(
  client: RedisClient,
  stream: string,
  consumerGroup: string,
  nowMs: number,
): Promise<StreamFigures> {
  const [length, groups] = await Promise.all([
    client.xLen(stream),
    client.xInfoGroups(stream).catch(() => []),
  ]);
  const group = groups.find((g) => g.name === consumerGroup);
  if (!group) {
    return { length, lag: length, pending: 0, oldestPendingSeconds: 0, consumers: 0, entriesRead: 0 };
  }
  const summary = await client.xPending(stream, consumerGroup);
  const oldest = summary.firstId ? Math.max(0, (nowMs - idTimeMs(summary.firstId)) / 1000) : 0;
  const lag = group.lag === null || group.lag === undefined ? undefined : Number(group.lag);
  const read = group['entries-read'];
  return {
    length,
    lag,
    pending: Number(group.pending),
    oldestPendingSeconds: oldest,
    consumers: Number(group.consumers),
    ...(read === null || read === undefined ? {} : { entriesRead: Number(read) }),
  };
}

export async function readQueueStats(
  client: RedisClient,
  names: { stream: string; consumerGroup: string; deadLetterStream: string; shards?: number },
  nowMs: number = Date.now(),
): Promise<QueueStats> {
  const streams = [names.stream, ...shardStreams(names.stream, names.shards ?? 0)];
  const [deadLetters, ...figures] = await Promise.all([
    client.xLen(names.deadLetterStream),
    ...streams.map((s) => readStream(client, s, names.consumerGroup, nowMs)),
  ]);
  const all = figures as StreamFigures[];
  const sum = (pick: (f: StreamFigures) => number) => all.reduce((total, f) => total + pick(f), 0);
  return {
    length: sum((f) => f.length),
    // Unknown as soon as one stream's is unknown: a partial sum would understate the backlog.
    lag: all.some((f) => f.lag === undefined) ? undefined : sum((f) => f.lag ?? 0),
    pending: sum((f) => f.pending),
    oldestPendingSeconds: Math.max(0, ...all.map((f) => f.oldestPendingSeconds)),
    deadLetters,
    consumers: Math.max(0, ...all.map((f) => f.consumers)),
    // Done counts add up over the shards like the rest (#15); unknown if one stream's is.
    ...(all.some((f) => f.entriesRead === undefined) ? {} : { entriesRead: sum((f) => f.entriesRead ?? 0) }),
    shards: all.slice(1),
  };
}
