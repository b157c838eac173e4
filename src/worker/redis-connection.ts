// Redis clients: reconnect forever with capped backoff, queue commands while reconnecting, and report
// connection errors to the log instead of crashing the process.
import { createClient } from 'redis';

export function createRedisClient(url: string, onError: (error: Error) => void, name?: string) {
  const client = createClient({
    url,
    ...(name ? { name } : {}),
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  });
  client.on('error', onError);
  return client;
}

export type RedisClient = ReturnType<typeof createRedisClient>;
