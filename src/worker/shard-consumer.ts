// The consumer when spec.queue.shards > 0 (issue 13). A membership loop heartbeats this worker, renews
// its shard leases, keeps its share of the shards (shard-balance.ts: taking free ones, giving up the
// excess after their batch in hand) and keeps doing so through a shutdown until every shard is handed back.
// Each owned shard runs its own loop: strictly one batch at a time in entry order, its retries blocking
// the batches behind it (which is what keeps per-(warehouse, SKU) order across retries); different
// shards run in parallel. Calls are made only while the lease is surely ours (local fence: renewed less
// than ttl - callTimeout - margin ago); the ack is fenced in Redis by the lease itself (shard-queue.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Jitter } from './backoff.ts';
import type { BatchProcessor } from './batch-processor.ts';
import type { RedisClient } from '../contracts/redis-connection.ts';
import { redeliveryDelayMs } from './redelivery-schedule.ts';
import { ShardLeases, type Lease } from './shard-leases.ts';
import { ShardQueue } from './shard-queue.ts';
import { fnv1a32, shardStream } from '../contracts/shard-routing.ts';
import type { UpstreamRouter } from './upstream-router.ts';
import { ShardWatcher } from './shard-watcher.ts';
import { shardBalanceChange } from './shard-balance.ts';
import type { WorkerEvents } from './worker-events.ts';

export interface ShardConsumerOptions {
  shards: number;
  stream: string;
  consumerGroup: string;
  deadLetterStream: string;
  consumer: string;
  markerTtlSeconds: number;
  leaseTtlMs: number;
  /** One upstream call's timeout: no call starts unless the lease holds for longer than that. */
  callTimeoutMs: number;
  redeliveryBaseMs: number;
  /** Its jitter: spec.retry's (#12). */
  redeliveryJitter?: Jitter;
  /** The longest an empty shard waits for the watcher before it looks again itself (a safety net). */
  idleRecheckMs: number;
}

export interface ShardConsumerDeps {
  client: RedisClient;
  /** A connection of its own for the blocking XREAD of the shard watcher. */
  reader: RedisClient;
  processor: BatchProcessor;
  router: UpstreamRouter;
  /** What it reports (#16): shards owned, acquired, lost, released, errors; batches in flight. */
  events: WorkerEvents;
}

/** Lease TTL: the reclaim time of a dead worker's work, and never less than three call timeouts plus 1 s. */
export const shardLeaseTtlMs = (claimIdleSeconds: number, callTimeoutMs: number) =>
  Math.max(claimIdleSeconds * 1000, 3 * callTimeoutMs + 1000);

interface OwnedShard {
  lease: Lease;
  queue: ShardQueue;
  /** performance.now() when the last successful renewal (or the acquisition) was sent. */
  renewedAt: number;
  lost: boolean;
  releasing: boolean;
  busy: boolean;
}

export class ShardConsumer {
  readonly #o: ShardConsumerOptions;
  readonly #d: ShardConsumerDeps;
  readonly #leases: ShardLeases;
  readonly #owned = new Map<number, OwnedShard>();
  readonly #shardLoops = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #membership: Promise<void> | undefined;
  /** Shards busy with a batch. */
  #busy = 0;
  readonly #watcher: ShardWatcher;

  constructor(options: ShardConsumerOptions, deps: ShardConsumerDeps) {
    this.#o = options;
    this.#d = deps;
    this.#leases = new ShardLeases(deps.client, {
      stream: options.stream,
      consumer: options.consumer,
      ttlMs: options.leaseTtlMs,
    });
    this.#watcher = new ShardWatcher(deps.reader, deps.client);
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Batches in this worker's hands (one at most per shard): the busy figure it publishes (#15). */
  get inFlight(): number {
    return this.#busy;
  }

  /** Shards this worker holds now, in shard order. */
  get ownedShards(): number[] {
    return [...this.#owned.keys()].sort((a, b) => a - b);
  }

  start(): void {
    this.#membership = this.#membershipLoop();
  }

  /** Stops taking batches; resolves true when every shard was handed back within graceMs. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stop.abort();
    this.#watcher.close();
    // Unreferenced: a drained worker exits now, not when the grace period would have ended (#12: the CLI
    // worker took 25 s to exit after SIGTERM).
    const deadline = sleep(graceMs, false, { ref: false });
    const done = (this.#membership ?? Promise.resolve()).then(() => true);
    return Promise.race([done, deadline]);
  }

  get #tickMs(): number {
    return Math.max(100, this.#o.leaseTtlMs / 3);
  }

  /** The local fence: a call may start only if the lease outlives it by a margin, by our own clock. */
  #mayCall(shard: OwnedShard): boolean {
    if (shard.lost) return false;
    const margin = Math.max(200, this.#o.leaseTtlMs / 10);
    return performance.now() < shard.renewedAt + this.#o.leaseTtlMs - this.#o.callTimeoutMs - margin;
  }

  async #membershipLoop(): Promise<void> {
    let failures = 0;
    // Runs on through a shutdown, renewing the leases of the shards still finishing their batch.
    while (!this.stopping || this.#owned.size > 0) {
      try {
        await this.#tick();
        failures = 0;
      } catch (error) {
        failures++;
        this.#d.events.emit('shard-membership-error', error as Error, failures);
      }
      if (!this.stopping) await this.#pause(this.#tickMs);
      else await this.#untilHandedBack(performance.now() + this.#tickMs);
    }
    await Promise.allSettled([...this.#shardLoops]);
    await this.#leases.deregister().catch(() => undefined);
    this.#d.events.emit('shards-owned', 0);
  }

  async #tick(): Promise<void> {
    const sentAt = performance.now();
    const owned = [...this.#owned.values()].filter((s) => !s.lost);
    const lost = new Set(await this.#leases.renew(owned.map((s) => s.lease)));
    for (const shard of owned) {
      if (lost.has(shard.lease)) this.#markLost(shard, 'not renewed in time');
      else shard.renewedAt = sentAt;
    }
    if (this.stopping) return;
    const active = [...this.#owned.values()].filter((s) => !s.lost && !s.releasing);
    const { live, fewest } = await this.#leases.register(active.length);
    const change = shardBalanceChange({ shards: this.#o.shards, live, held: active.length, fewest });
    if (change < 0) {
      // Idle shards first: a busy one finishes its batch before it is handed over anyway.
      const excess = active.sort((a, b) => Number(a.busy) - Number(b.busy)).slice(0, -change);
      for (const shard of excess) shard.releasing = true;
      this.#d.events.emit(
        'shards-rebalancing',
        live,
        active.length,
        excess.map((s) => s.lease.shard),
      );
    } else if (change > 0) {
      const start = fnv1a32(this.#o.consumer) % this.#o.shards;
      const candidates = Array.from(
        { length: this.#o.shards },
        (_, i) => (start + i) % this.#o.shards,
      ).filter((shard) => !this.#owned.has(shard));
      const acquiredAt = performance.now();
      for (const lease of await this.#leases.acquire(candidates, change)) this.#own(lease, acquiredAt);
    }
    this.#d.events.emit('shards-owned', this.#owned.size);
  }

  #own(lease: Lease, acquiredAt: number): void {
    const { stream, consumerGroup, deadLetterStream, consumer, markerTtlSeconds } = this.#o;
    const queue = new ShardQueue(
      this.#d.client,
      {
        stream: shardStream(stream, lease.shard),
        consumerGroup,
        deadLetterStream,
        consumer,
        markerTtlSeconds,
      },
      lease,
    );
    const shard: OwnedShard = {
      lease,
      queue,
      renewedAt: acquiredAt,
      lost: false,
      releasing: false,
      busy: false,
    };
    this.#owned.set(lease.shard, shard);
    this.#d.events.emit('shard-acquired', lease.shard, lease.token);
    const loop = this.#shardLoop(shard).finally(() => {
      this.#shardLoops.delete(loop);
      this.#owned.delete(lease.shard);
      this.#d.events.emit('shards-owned', this.#owned.size);
    });
    this.#shardLoops.add(loop);
  }

  #markLost(shard: OwnedShard, why: string): void {
    if (shard.lost) return;
    shard.lost = true;
    this.#d.events.emit('shard-lost', shard.lease.shard, shard.lease.token, why);
  }

  async #shardLoop(shard: OwnedShard): Promise<void> {
    const { queue } = shard;
    const { processor, router, events } = this.#d;
    let failures = 0;
    let prepared = false;
    while (!this.stopping && !shard.releasing && !shard.lost) {
      try {
        if (!prepared) {
          await queue.ensureGroup();
          // Consumers of earlier owners with nothing pending: a shard's group would collect one per owner.
          await queue.deleteDeadConsumers(this.#o.leaseTtlMs);
          prepared = true;
        }
        if (!this.#mayCall(shard)) {
          await this.#pause(Math.max(20, this.#tickMs / 10));
          continue;
        }
        if (router.outage && !router.probeDue()) {
          await router.whenAvailable(this.#stop.signal);
          continue;
        }
        const next = await queue.next();
        if (next.kind === 'lost') {
          this.#markLost(shard, 'taken over');
          break;
        }
        if (next.kind === 'empty') {
          await this.#watcher.wait(queue.stream, next.lastId, this.#o.idleRecheckMs, this.#stop.signal);
        }
        if (next.kind !== 'entry') continue;
        const { entry } = next;
        shard.busy = true;
        events.emit('batches-in-flight', ++this.#busy);
        let report;
        try {
          report = await processor.process(entry, this.#stop.signal, {
            queue,
            fence: () => this.#mayCall(shard),
          });
        } finally {
          shard.busy = false;
          events.emit('batches-in-flight', --this.#busy);
        }
        failures = 0;
        if (report.errorCode === 'SHARD_LEASE_LOST') this.#markLost(shard, 'acknowledgement refused');
        // The shard waits for its failed batch: nothing behind it may overtake it.
        if (report.redeliver && !shard.lost) {
          await this.#pause(
            redeliveryDelayMs(this.#o.redeliveryBaseMs, entry.deliveries, this.#o.redeliveryJitter),
          );
        }
      } catch (error) {
        failures++;
        if ((error as Error).message?.startsWith('NOGROUP')) prepared = false;
        events.emit('shard-error', shard.lease.shard, error as Error);
        await this.#pause(Math.min(100 * 2 ** failures, 2000));
      }
    }
    const reason = shard.lost ? 'lost' : shard.releasing ? 'rebalance' : 'shutdown';
    if (!shard.lost) await this.#leases.release(shard.lease).catch(() => undefined);
    events.emit('shard-released', shard.lease.shard, shard.lease.token, reason);
  }

  /** During a shutdown: until every shard is handed back, or the next renewal is due. */
  async #untilHandedBack(renewAt: number): Promise<void> {
    while (this.#owned.size > 0 && performance.now() < renewAt) await sleep(20);
  }

  /** Sleeps; cut short by the stop request. */
  #pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }
}
