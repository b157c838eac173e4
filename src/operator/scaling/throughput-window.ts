// Throughput of a bot's queue over a sliding window (#15): the consumer group's count of entries done
// (entries-read minus pending: acknowledged or dead-lettered), sampled each time the operator reads the
// queue. Pure functions plus a small per-bot sample store; no I/O.
import type { QueueStats } from '../../contracts/queue-stats.ts';

export interface ThroughputSample {
  atMs: number;
  done: number;
  /** lag + pending when sampled: a sample with nothing outstanding starts a busy span. */
  outstanding?: number;
}

/** Default window: long enough to smooth batch-sized steps, short enough to follow a burst. */
export const THROUGHPUT_WINDOW_MS = 120_000;
/** A rate over less than this span is noise (two reads a moment apart). */
export const MIN_SPAN_MS = 5_000;

/** Entries done so far; undefined when Redis does not count reads (before 7.0) or lag is unknown. */
export function doneCount(stats: QueueStats): number | undefined {
  if (stats.entriesRead === undefined) return undefined;
  return Math.max(0, stats.entriesRead - stats.pending);
}

/**
 * Batches done per second over the window ending at the newest sample; undefined until the samples
 * span MIN_SPAN_MS. The window starts no earlier than the first sample after the queue was last empty:
 * the drain ETA wants the rate while there is work, not one diluted by the idle minutes before a burst. A
 * counter that went down (stream or group recreated) restarts the window there.
 */
export function throughputPerSecond(
  samples: ReadonlyArray<ThroughputSample>,
  windowMs = THROUGHPUT_WINDOW_MS,
): number | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  let first = last;
  // Back to the first sample at or beyond the window's start (reads come every ~30 s, so a window
  // would otherwise often hold a single sample), never more than two windows back.
  for (let i = samples.length - 2; i >= 0; i--) {
    const s = samples[i] as ThroughputSample;
    if (last.atMs - s.atMs > 2 * windowMs || s.done > first.done) break;
    // The interval from an idle sample to the first busy one is partly idle: leave it out once the
    // busy samples alone span enough (in a burst on the real node it understated the rate by 17 %).
    if (s.outstanding === 0 && last.atMs - first.atMs >= MIN_SPAN_MS) break;
    first = s;
    if (last.atMs - s.atMs >= windowMs || s.outstanding === 0) break;
  }
  const spanMs = last.atMs - first.atMs;
  if (spanMs < MIN_SPAN_MS) return undefined;
  return ((last.done - first.done) * 1000) / spanMs;
}

/** Keeps the samples of each bot that the window still needs (one older, for a full span). */
export class ThroughputWindow {
  private readonly samples = new Map<string, ThroughputSample[]>();
  private readonly windowMs: number;

  constructor(windowMs = THROUGHPUT_WINDOW_MS) {
    this.windowMs = windowMs;
  }

  /** Adds a sample and returns the rate over the window (undefined: not known yet). */
  add(bot: string, sample: ThroughputSample): number | undefined {
    const list = (this.samples.get(bot) ?? []).filter((s) => s.atMs < sample.atMs);
    list.push(sample);
    while (list.length > 2 && sample.atMs - (list[1] as ThroughputSample).atMs >= this.windowMs) list.shift();
    this.samples.set(bot, list);
    return throughputPerSecond(list, this.windowMs);
  }

  rate(bot: string): number | undefined {
    return throughputPerSecond(this.samples.get(bot) ?? [], this.windowMs);
  }

  forget(bot: string): void {
    this.samples.delete(bot);
  }
}
