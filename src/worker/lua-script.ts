// The worker's Lua scripts, sent by SHA1 (EVALSHA) instead of their source (#12: the finish script's
// source went to Redis with every batch, to be hashed there again). When Redis does not know the hash
// (NOSCRIPT: a restart, SCRIPT FLUSH, a failover) the call is repeated once as EVAL, which caches the
// script for the next ones: the fallback node-redis's own script commands use (its client `scripts`
// option, which would type every Redis client of the worker, CLI and tests by the worker's scripts).
import { createHash } from 'node:crypto';
import type { RedisClient } from '../contracts/redis-connection.ts';

export class LuaScript {
  readonly source: string;
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /** The script's reply; EVAL with the source only when Redis answers NOSCRIPT. */
  async run(client: RedisClient, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    try {
      return await client.evalSha(this.sha1, options);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(this.source, options);
    }
  }
}
