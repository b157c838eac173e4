// The drain ETA of status.queue held to a drain that really happened (#15). The trace: two workers at
// 30 upstream calls/s each, simulator with 20 % transient failures (a quarter of them lost responses),
// 500 batches × 10 items, consumer group read every ~6 s (a local run of `npm run worker` ×2 against
// redis-server and `npm run simulator`, 2026-11-30). Each worker holds ~30 batches and works them side
// by side, so the pending batches are half done on average: counted whole, they put the ETA 16–24 % long
// from 55 s on, as the real-node story saw (+16–25 %).
import { createLogger } from '../../../src/contracts/logger.ts';
import type { QueueReading } from '../../../src/operator/external-metrics/queue-reader.ts';
import { queueStatusSource } from '../../../src/operator/external-metrics/queue-status-source.ts';
import { sampleBot } from '../../support/sample-bot.ts';

// [seconds since the burst, entries done (read − pending), lag, pending]
const TRACE: ReadonlyArray<readonly [number, number, number, number]> = [
  [0.0, 0, 438, 62],
  [6.1, 2, 438, 60],
  [12.2, 44, 398, 58],
  [18.3, 56, 382, 62],
  [24.4, 100, 342, 58],
  [30.6, 117, 326, 57],
  [36.8, 155, 294, 51],
  [43.1, 199, 238, 63],
  [49.3, 200, 238, 62],
  [55.5, 247, 190, 63],
  [61.5, 275, 166, 59],
  [67.8, 300, 142, 58],
  [74.0, 331, 118, 51],
  [80.2, 366, 70, 64],
  [86.4, 400, 38, 62],
  [92.6, 413, 22, 65],
  [98.7, 449, 0, 51],
  [104.8, 500, 0, 0],
];
const DRAINED_AT = 104.8;

const reading = ([at, done, lag, pending]: (typeof TRACE)[number]): QueueReading => ({
  length: 500,
  lag,
  pending,
  oldestPendingSeconds: 0,
  consumers: 2,
  entriesRead: done + pending,
  deadLetters: 0,
  workers: [],
  readAtMs: at * 1000,
});

test('the ETA read 55–75 s into a rate-limited drain is within 10 % of the actual drain', async () => {
  const handed = TRACE.map(reading);
  const source = queueStatusSource({
    reader: { read: async () => handed.shift() as QueueReading },
    logger: createLogger({ level: 'error', sinks: [] }),
  });
  const bot = sampleBot();
  const errors: Record<string, number> = {};
  for (const [at] of TRACE) {
    const { status } = await source(bot);
    if (at < 55 || at > 75) continue;
    const actual = DRAINED_AT - at;
    errors[`${at} s`] = Math.round((((status?.drainSeconds ?? 0) - actual) / actual) * 100);
  }
  // Counting the pending batches whole gave +16, +18, +24, +23 % at these reads; half done: +1, +2, +5, +7 %.
  expect(Object.keys(errors)).toHaveLength(4);
  expect(Object.entries(errors).filter(([, percent]) => Math.abs(percent) > 10)).toEqual([]);
});
