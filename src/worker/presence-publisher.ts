// Publishes this worker's presence record (#15): batches in flight and whether intake is paused, every
// PRESENCE_INTERVAL_MS and at once when either changes, so the operator can hold replicas while
// intake is paused and let idle pods go first on scale-in. Best effort: Redis errors are the
// connection's to report, a missed refresh only makes the record older.
import {
  PRESENCE_INTERVAL_MS,
  removePresence,
  writePresence,
  type WorkerPresence,
} from '../contracts/worker-presence.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';

export interface PresenceSource {
  inFlight(): number;
  paused(): boolean;
}

export class PresencePublisher {
  readonly #client: RedisClient;
  readonly #names: { stream: string; consumerGroup: string; worker: string };
  readonly #source: PresenceSource;
  readonly #timer: NodeJS.Timeout;
  readonly #watch: NodeJS.Timeout;
  #last: Omit<WorkerPresence, 'worker' | 'at'> | undefined;
  #closed = false;

  constructor(
    client: RedisClient,
    names: { stream: string; consumerGroup: string; worker: string },
    source: PresenceSource,
  ) {
    this.#client = client;
    this.#names = names;
    this.#source = source;
    this.#timer = setInterval(() => this.publish(), PRESENCE_INTERVAL_MS);
    this.#timer.unref();
    // A change (first batch taken, last one done, intake paused) is told within 200 ms.
    this.#watch = setInterval(() => {
      const now = this.#state();
      if (now.inFlight !== this.#last?.inFlight || now.paused !== this.#last?.paused) this.publish();
    }, 200);
    this.#watch.unref();
  }

  #state() {
    return { inFlight: this.#source.inFlight(), paused: this.#source.paused() };
  }

  publish(): void {
    if (this.#closed || !this.#client.isReady) return;
    const state = this.#state();
    this.#last = state;
    writePresence(this.#client, this.#names, { ...state, at: Date.now() }).catch(() => undefined);
  }

  /** Stops publishing and removes the record (the worker is leaving). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#watch);
    if (this.#client.isReady) await removePresence(this.#client, this.#names).catch(() => undefined);
  }
}
