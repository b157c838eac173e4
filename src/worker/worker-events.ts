// The worker core's typed event surface (#16), BullMQ-style: the core (processor, consumer loops,
// router, intake monitor) says what happened here and depends on neither prom-client nor the logger;
// metrics-subscriber.ts and log-subscriber.ts turn the events into the metrics and log lines they were
// before. eslint.config.js keeps the core from importing either again.
//
// Not node:events: its emit(type, ...args) builds an arguments array per call, and `upstream-call` fires
// on every HTTP call of the hot path (the worker is benchmarked against BullMQ). Listeners here take
// positional arguments, passed on without an array or a payload object, synchronously, in the order they
// subscribed; a listener that throws throws into the core, as a metric call did before.
import type { BreakerState } from './circuit-breaker.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import type { ItemOutcome } from '../contracts/worker-metric-names.ts';
import type { QueueStats } from '../contracts/queue-stats.ts';
import type { Report } from './batch-processor.ts';
import type { StreamEntry } from './stream-queue.ts';

/** Item outcomes of one delivery, as its metrics and its log line count them. */
export type ItemCounts = Partial<Record<ItemOutcome, number>>;

/** What a failed call says about the item: permanent (a verdict), transient (retried), throttled (asked to wait). */
export type AttemptFailure = 'permanent' | 'transient' | 'throttled';

/** Event name → the listener's arguments (four at most: see emit). */
export interface WorkerEventMap {
  // --- batches (batch-processor.ts): one of the two per delivery, after its verdict is written
  /** A delivery acknowledged with its items applied or skipped (outcome success, or partial with item dead letters). */
  completed: [report: Report, entry: StreamEntry, seconds: number, items: ItemCounts];
  /** A delivery that ended otherwise: given back for redelivery (failed), or dead-lettered whole (dead_lettered, invalid). */
  'batch-failed': [report: Report, entry: StreamEntry, seconds: number, items: ItemCounts];
  /** A dead letter written: an item's (`itemKey` set) or a whole batch's. */
  'dead-lettered': [code: ErrorCode, reason: string, streamId: string, itemKey: string | undefined];
  // --- items (item-attempts.ts)
  /** An item's call failed; `attempt` counts its calls so far, the failed one included. */
  failed: [kind: AttemptFailure, code: ErrorCode, upstream: string | undefined, attempt: number];
  /** An item waits `delayMs` before its next call (backoff, or the Retry-After its upstream asked for). */
  retried: [delayMs: number, code: ErrorCode, attempt: number];
  /** An item started (true) or stopped (false) being applied upstream. */
  'item-running': [running: boolean];
  // --- intake (consumer-loop.ts, shard-consumer.ts, intake-monitor.ts)
  'batches-in-flight': [count: number];
  /** A pending entry taken over from an idle consumer (XAUTOCLAIM). */
  reclaimed: [streamId: string, deliveries: number];
  'consumers-removed': [consumers: string[]];
  /** A background loop's step failed (`read`, `heartbeat`, `consumer_cleanup`); the loop goes on. */
  'loop-error': [loop: string, error: Error];
  /** Every breaker is open: no new batches. Repeated while it lasts (`first` false). */
  'intake-paused': [since: number, upstreams: Record<string, string>, first: boolean];
  'intake-resumed': [pausedSeconds: number, upstreams: Record<string, string>];
  // --- upstreams (upstream-endpoint.ts through run.ts's observer, upstream-router.ts)
  /** One HTTP call: `result` is ok or its error_code. */
  'upstream-call': [upstream: string, result: string, seconds: number];
  'breaker-changed': [upstream: string, state: BreakerState, previous: BreakerState];
  /** The adaptive limit of calls in flight moved (issue 12). */
  'limit-changed': [upstream: string, limit: number];
  /** The upstream serving calls changed: failover to a later one, failback to an earlier one. */
  'serving-changed': [
    from: string,
    to: string,
    direction: 'failover' | 'failback',
    upstreams: Record<string, string>,
  ];
  // --- Redis (run.ts)
  /** A connection error; `since` (when Redis went down) and `at` are Date.now() milliseconds. */
  'redis-down': [where: string, error: Error, since: number, at: number];
  /** Both connections ready; `wasDown` unless it was up already. */
  'redis-up': [where: string, wasDown: boolean];
  'queue-stats': [stats: QueueStats];
  // --- warehouse shards (shard-consumer.ts, #13)
  'shards-owned': [count: number];
  'shard-acquired': [shard: number, token: number];
  'shard-lost': [shard: number, token: number, why: string];
  'shard-released': [shard: number, token: number, reason: 'lost' | 'rebalance' | 'shutdown'];
  'shards-rebalancing': [liveWorkers: number, held: number, releasing: number[]];
  'shard-error': [shard: number, error: Error];
  'shard-membership-error': [error: Error, failures: number];
}

export type WorkerEvent = keyof WorkerEventMap;
export type WorkerListener<K extends WorkerEvent> = (...args: WorkerEventMap[K]) => void;

// emit passes four arguments on; an event with more would silently lose them: refuse it at compile time.
type AtMostFour<T extends Record<WorkerEvent, readonly [unknown?, unknown?, unknown?, unknown?]>> = T;
export type _EventArityChecked = AtMostFour<WorkerEventMap>;

type AnyListener = (a: unknown, b: unknown, c: unknown, d: unknown) => void;

export class WorkerEvents {
  // Copied on subscribe and unsubscribe, so an emit in progress runs the list it started with.
  readonly #listeners = new Map<WorkerEvent, readonly AnyListener[]>();

  on<K extends WorkerEvent>(event: K, listener: WorkerListener<K>): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener as unknown as AnyListener]);
    return this;
  }

  off<K extends WorkerEvent>(event: K, listener: WorkerListener<K>): this {
    const rest = (this.#listeners.get(event) ?? []).filter((l) => l !== (listener as unknown));
    if (rest.length > 0) this.#listeners.set(event, rest);
    else this.#listeners.delete(event);
    return this;
  }

  listenerCount(event: WorkerEvent): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  emit<K extends WorkerEvent>(event: K, ...args: WorkerEventMap[K]): void;
  // Fixed parameters, not ...args: the call sites pass their arguments on the stack, no array.
  emit(event: WorkerEvent, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) (listeners[i] as AnyListener)(a, b, c, d);
  }
}
