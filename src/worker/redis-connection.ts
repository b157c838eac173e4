// Redis clients: reconnect with capped backoff (forever for the worker, a few times for the CLI), queue
// commands while reconnecting, and report connection errors instead of crashing the process.
import { createClient } from 'redis';

export interface RedisClientOptions {
  name?: string;
  /** Give up after this many reconnect attempts; unset: never give up. */
  maxRetries?: number;
}

export function createRedisClient(
  url: string,
  onError: (error: Error) => void,
  options: RedisClientOptions = {},
) {
  const client = createClient({
    url,
    ...(options.name ? { name: options.name } : {}),
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) =>
        options.maxRetries !== undefined && retries >= options.maxRetries
          ? new Error(`cannot reach Redis at ${url}`)
          : Math.min(50 * 2 ** retries, 2000),
    },
  });
  client.on('error', onError);
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;
