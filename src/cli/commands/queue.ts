// `inventorybot queue stats`: length, lag, pending, oldest pending age, dead letters.
import { Command } from 'commander';
import { readQueueStats } from '../../contracts/queue-stats.ts';
import { addQueueOptions, withRedis, type QueueCliOptions } from '../queue-options.ts';

export function queueCommand(): Command {
  const queue = new Command('queue').description('inspect the queue');
  addQueueOptions(queue.command('stats'))
    .description('length, lag, pending, oldest pending age and dead letters')
    .option('--json', 'print JSON')
    .action(async (o: QueueCliOptions & { json?: boolean }) => {
      const stats = await withRedis(o.redisUrl, (client) =>
        readQueueStats(client, {
          stream: o.stream,
          consumerGroup: o.group,
          deadLetterStream: o.deadLetterStream,
          shards: o.shards,
        }),
      );
      if (o.json) return console.log(JSON.stringify(stats));
      console.log(`stream              ${o.stream} (group ${o.group})`);
      console.log(`length              ${stats.length}`);
      console.log(`lag                 ${stats.lag ?? 'unknown'}`);
      console.log(`pending             ${stats.pending}`);
      console.log(`oldest pending age  ${stats.oldestPendingSeconds.toFixed(1)} s`);
      console.log(`consumers           ${stats.consumers}`);
      console.log(`dead letters        ${stats.deadLetters} (${o.deadLetterStream})`);
      (stats.shards ?? []).forEach((s, shard) =>
        console.log(
          `shard ${String(shard).padEnd(13)} lag ${s.lag ?? 'unknown'}, pending ${s.pending}, oldest pending ${s.oldestPendingSeconds.toFixed(1)} s`,
        ),
      );
    });
  return queue;
}
