// Redis clients: reconnect with capped backoff (forever for the worker, a few times for the CLI), queue
// commands while reconnecting, and report connection errors instead of crashing the process. Messages
// name the Redis URL without its password (issue 11).
import { createClient } from '@redis/client';
import { redactUrl } from '../contracts/redaction.ts';

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
  let lastError = '';
  const client = createClient({
    url,
    ...(options.name ? { name: options.name } : {}),
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) =>
        options.maxRetries !== undefined && retries >= options.maxRetries
          ? new Error(`cannot reach Redis at ${redactUrl(url)}${lastError ? `: ${lastError}` : ''}`)
          : Math.min(50 * 2 ** retries, 2000),
    },
  });
  client.on('error', (error: Error) => {
    lastError = redactUrl(error.message);
    onError(error);
  });
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;
