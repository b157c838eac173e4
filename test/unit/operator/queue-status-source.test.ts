// The throughput behind status.queue's drain ETA is stamped with when each reading was taken from
// Redis, not with when a cached reading was used (#15: on the real node a reading up to 15 s old counted
// as fresh made the rate 19 % low and the ETA 24 % long).
import { createLogger } from '../../../src/contracts/logger.ts';
import type { QueueReading } from '../../../src/operator/external-metrics/queue-reader.ts';
import { queueStatusSource } from '../../../src/operator/external-metrics/queue-status-source.ts';
import { sampleBot } from '../../support/sample-bot.ts';

const reading = (readAtMs: number, done: number, outstanding: number): QueueReading => ({
  length: done + outstanding,
  lag: outstanding,
  pending: 0,
  oldestPendingSeconds: 0,
  consumers: 2,
  entriesRead: done,
  deadLetters: 0,
  workers: [],
  readAtMs,
});

test('the rate divides the entries done between two readings by the time between those reads', async () => {
  // What the reader hands out, in order: a fresh reading, then a cached one handed out again later.
  const first = reading(0, 0, 300);
  const second = reading(10_000, 50, 250);
  const handed = [first, second, second];
  const source = queueStatusSource({
    reader: { read: async () => handed.shift() as QueueReading },
    logger: createLogger({ level: 'error', sinks: [] }),
  });
  const bot = sampleBot();
  await source(bot);
  const fresh = await source(bot);
  // The ETA counts from the read, and says when that was.
  expect(fresh.status).toMatchObject({
    throughputPerSecond: 5,
    outstanding: 250,
    drainSeconds: 50,
    readTime: new Date(10_000).toISOString(),
  });
  // Used again 10 s later from the cache: the same reading, the same rate; no new sample.
  const again = await source(bot);
  expect(again.status).toMatchObject({ throughputPerSecond: 5, drainSeconds: 50 });
});

test('a drained queue carries no read time: an idle status is not rewritten for every read (#14)', async () => {
  const handed = [reading(0, 0, 10), reading(10_000, 10, 0), reading(20_000, 10, 0)];
  const source = queueStatusSource({
    reader: { read: async () => handed.shift() as QueueReading },
    logger: createLogger({ level: 'error', sinks: [] }),
  });
  const bot = sampleBot();
  await source(bot);
  const drained = await source(bot);
  const later = await source(bot);
  expect(drained.status).toMatchObject({ outstanding: 0, drainSeconds: 0 });
  expect(drained.status).not.toHaveProperty('readTime');
  expect(later.status).not.toHaveProperty('readTime');
});
