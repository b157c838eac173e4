// Wakes the loops of empty shards when a batch arrives (issue 13): one blocking XREAD on the worker's
// reader connection over every empty shard stream it owns, from the last entry each loop saw. A new
// empty shard interrupts the XREAD in progress (CLIENT UNBLOCK) so it is watched at once. A batch on an
// idle shard so waits one Redis round trip, not a poll interval, and idle shards cost no polling.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../contracts/redis-connection.ts';

const BLOCK_MS = 1000;

interface Watch {
  lastId: string;
  wakers: Set<() => void>;
}

export class ShardWatcher {
  readonly #reader: RedisClient;
  readonly #control: RedisClient;
  readonly #watches = new Map<string, Watch>();
  #running = false;
  #blockedId: number | undefined;
  #changed = false;
  #closed = false;

  constructor(reader: RedisClient, control: RedisClient) {
    this.#reader = reader;
    this.#control = control;
  }

  /** Resolves when `stream` has an entry after `lastId`, after `maxMs` (a safety net), or on abort. */
  async wait(stream: string, lastId: string, maxMs: number, signal: AbortSignal): Promise<void> {
    if (this.#closed || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => wake(), maxMs);
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', wake);
        const watch = this.#watches.get(stream);
        watch?.wakers.delete(wake);
        if (watch && watch.wakers.size === 0) this.#watches.delete(stream);
        resolve();
      };
      signal.addEventListener('abort', wake, { once: true });
      const watch = this.#watches.get(stream);
      if (watch) {
        watch.wakers.add(wake);
        watch.lastId = lastId;
      } else {
        this.#watches.set(stream, { lastId, wakers: new Set([wake]) });
      }
      this.#changed = true;
      this.#interrupt();
      if (!this.#running) void this.#run();
    });
  }

  close(): void {
    this.#closed = true;
    for (const watch of this.#watches.values()) for (const wake of [...watch.wakers]) wake();
    this.#interrupt();
  }

  #interrupt(): void {
    if (this.#blockedId === undefined) return;
    this.#control.clientUnblock(this.#blockedId).catch(() => undefined);
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (!this.#closed && this.#watches.size > 0) {
        const streams = [...this.#watches].map(([key, w]) => ({ key, id: w.lastId }));
        this.#changed = false;
        let reply;
        try {
          this.#blockedId = await this.#reader.clientId();
          // A watch added while CLIENT ID was on its way could not interrupt: read without blocking.
          reply = await this.#reader.xRead(streams, { BLOCK: this.#changed ? 1 : BLOCK_MS, COUNT: 1 });
        } catch {
          await sleep(200);
          continue;
        } finally {
          this.#blockedId = undefined;
        }
        for (const { name } of (reply ?? []) as { name: string }[]) {
          const watch = this.#watches.get(name);
          if (watch) for (const wake of [...watch.wakers]) wake();
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
