// Options shared by the commands that talk to the queue.
import { Option, type Command } from 'commander';
import { MAX_SHARDS } from '../contracts/shard-routing.ts';
import { integer } from './numeric-options.ts';
import { createRedisClient, type RedisClient } from '../contracts/redis-connection.ts';

export interface QueueCliOptions {
  redisUrl: string;
  stream: string;
  group: string;
  deadLetterStream: string;
  shards: number;
}

export function addQueueOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--redis-url <url>', 'Redis URL').env('REDIS_URL').default('redis://127.0.0.1:6379'),
    )
    .option('--stream <name>', 'stream of batches', 'inventory:batches')
    .option('--group <name>', 'consumer group', 'inventorybot')
    .option('--dead-letter-stream <name>', 'dead-letter stream', 'inventory:dead-letter')
    .addOption(
      new Option(
        '--shards <n>',
        'spec.queue.shards of the bot (0: unsharded): batches go to their warehouse shard',
      )
        .env('INVENTORYBOT_QUEUE_SHARDS')
        .argParser(integer(0, MAX_SHARDS))
        .default(0),
    );
}

/** Connects without retrying forever: a CLI should fail fast when Redis is not there. */
export async function connectCli(url: string): Promise<RedisClient> {
  const client = createRedisClient(url, () => undefined, { maxRetries: 3 });
  await client.connect();
  return client;
}

export async function withRedis<T>(url: string, fn: (client: RedisClient) => Promise<T>): Promise<T> {
  const client = await connectCli(url);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
