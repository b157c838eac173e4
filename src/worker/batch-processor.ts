// Processes one delivery of a stream entry end to end: validate, check the counted deliveries, compare
// the applied markers (skip items already applied, detect a reused batch id or item key), apply the rest
// upstream (bounded concurrency), then either acknowledge with the item dead letters and the new markers
// in one MULTI, or give the entry back (markers and the failure's cause kept) for the worker to redeliver.
import { summarizeBatch } from './batch-outcome.ts';
import {
  batchFingerprint,
  compareMarker,
  itemFingerprint,
  markerValue,
  type MarkerMatch,
} from './content-fingerprint.ts';
import { batchDeadLetter, itemDeadLetter, type DeadLetterContext } from './dead-letter.ts';
import { countedDeliveries, describeCause, type DeliveryCause } from './delivery-notes.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import type { ApplyRequest } from '../contracts/upstream-protocol.ts';
import type { MarkerStore, MarkerWrite } from './idempotency.ts';
import {
  applyWithRetries,
  type AttemptHooks,
  type AttemptOptions,
  type ItemResult,
} from './item-attempts.ts';
import { mapLimit } from './map-limit.ts';
import { LeaseLostError } from './errors.ts';
import { runInSkuOrder } from './sku-order.ts';
import { itemKey, parseBatchFields, type BatchItem, type BatchMessage } from './message.ts';
import type { BatchOutcome, ItemOutcome } from '../contracts/worker-metric-names.ts';
import type { StreamEntry, StreamQueue } from './stream-queue.ts';
import type { UpstreamRouter } from './upstream-router.ts';
import type { ItemCounts, WorkerEvents } from './worker-events.ts';

export interface ProcessorOptions {
  maxDeliveries: number;
  itemsPerBatch: number;
  consumer: string;
  attempts: AttemptOptions;
  /** Warehouse shards (#13): the items of one SKU are applied one after the other, in batch order. */
  skuOrder?: boolean;
}

/** What the processor needs of a queue to end a delivery (StreamQueue, or a shard's fenced queue). */
export type DeliveryQueue = Pick<StreamQueue, 'readNotes' | 'forgiveDelivery' | 'finish' | 'giveBack'>;

/** Per delivery, for warehouse shards (#13): the shard's queue and its lease check before each call. */
export interface DeliveryContext {
  queue: DeliveryQueue;
  fence: () => boolean;
}

export interface ProcessorDeps {
  queue: DeliveryQueue;
  markers: MarkerStore;
  router: UpstreamRouter;
  /** Where outcomes are reported (#16): metrics and logs subscribe there. */
  events: WorkerEvents;
}

export interface Report {
  outcome: BatchOutcome;
  batch?: BatchMessage;
  errorCode?: ErrorCode | undefined;
  error?: string;
  retries?: number;
  /** The delivery was given back after a failure the worker should retry itself (not a shutdown). */
  redeliver?: boolean;
  /** The delivery ended by an exception (Redis unreachable, the shard lease lost, a bug), not by its items. */
  raised?: boolean;
}

const REDIS_ERROR_NAMES = new Set([
  'SimpleError',
  'ErrorReply',
  'SocketClosedUnexpectedlyError',
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'ReconnectStrategyError',
  'MultiErrorReply',
]);

export class BatchProcessor {
  readonly #o: ProcessorOptions;
  readonly #d: ProcessorDeps;
  /** Batches in flight whose unfinished items all wait in backoff (#12): see `parked`. */
  #parked = 0;
  /** Called when a batch starts waiting only on backoff timers: the intake may take another batch. */
  onParked: () => void = () => undefined;
  /** Items of the batches in flight that have not had a call slot yet (#12): see `unslotted`. */
  #unslotted = 0;
  /** When `unslotted` falls below this, `onFewUnslotted` is called (the intake waits for it). */
  wakeBelow = 0;
  onFewUnslotted: () => void = () => undefined;
  /** Item outcomes of the batches in flight, by stream entry id, until their log line is written. */
  readonly #itemCounts = new Map<string, ItemCounts>();

  constructor(options: ProcessorOptions, deps: ProcessorDeps) {
    this.#o = options;
    this.#d = deps;
  }

  /**
   * Batches in flight that need no call slot now: every item still running waits in backoff or for a
   * Retry-After (#12). The intake does not count them against its bound, so retries waiting do not stop
   * new batches from flowing (BullMQ likewise parks a failed job as delayed and takes the next).
   */
  get parked(): number {
    return this.#parked;
  }

  /**
   * Items of the batches in flight that will want a call slot and have had none yet: being prepared,
   * queued behind their batch's other items, or waiting for a slot (#12: the intake reads by this
   * demand). Retries are not counted: they had their first slot.
   */
  get unslotted(): number {
    return this.#unslotted;
  }

  #addUnslotted(n: number): void {
    const before = this.#unslotted;
    this.#unslotted += n;
    if (before >= this.wakeBelow && this.#unslotted < this.wakeBelow) this.onFewUnslotted();
  }

  async process(entry: StreamEntry, signal: AbortSignal, context?: DeliveryContext): Promise<Report> {
    const started = performance.now();
    const state: { batch?: BatchMessage; unslotted: number } = { unslotted: 0 };
    let report: Report;
    try {
      report = await this.#handle(
        entry,
        signal,
        state,
        context ?? { queue: this.#d.queue, fence: () => true },
      );
    } catch (error) {
      // Redis unreachable mid-batch and the like: the entry stays pending and is redelivered.
      const code: ErrorCode =
        error instanceof LeaseLostError
          ? 'SHARD_LEASE_LOST'
          : REDIS_ERROR_NAMES.has((error as Error).constructor?.name ?? '')
            ? 'REDIS_ERROR'
            : 'INTERNAL_ERROR';
      report = {
        outcome: 'failed',
        ...(state.batch ? { batch: state.batch } : {}),
        errorCode: code,
        error: (error as Error).message,
        redeliver: true,
        raised: true,
      };
    } finally {
      // Items that never got to a slot (the batch ended before, or was dead-lettered whole).
      this.#addUnslotted(-state.unslotted);
      state.unslotted = 0;
    }
    this.#record(entry, report, (performance.now() - started) / 1000);
    return report;
  }

  async #handle(
    entry: StreamEntry,
    signal: AbortSignal,
    state: { batch?: BatchMessage; unslotted: number },
    { queue, fence }: DeliveryContext,
  ): Promise<Report> {
    const ctx: DeadLetterContext = {
      sourceId: entry.id,
      deliveries: entry.deliveries,
      consumer: this.#o.consumer,
      failedAt: new Date(),
    };
    const parsed = parseBatchFields(entry.fields);
    if (!parsed.ok) {
      await this.#deadLetterWhole(queue, entry, undefined, 'INVALID_MESSAGE', parsed.reason, ctx);
      return { outcome: 'invalid', errorCode: 'INVALID_MESSAGE', error: parsed.reason };
    }
    const batch = parsed.batch;
    state.batch = batch;
    // Counted from here, synchronously with the intake's dispatch, so it does not read on before the
    // batch's items reach the call limiter.
    state.unslotted = batch.items.length;
    this.#addUnslotted(batch.items.length);
    const slotted = () => {
      if (state.unslotted === 0) return;
      state.unslotted--;
      this.#addUnslotted(-1);
    };
    // Only then can the deliveries that count exceed the bound: skip the notes read on the hot path.
    if (entry.deliveries > this.#o.maxDeliveries) {
      const notes = await queue.readNotes(entry.id);
      const counted = countedDeliveries(entry.deliveries, notes.outageDeliveries);
      if (counted > this.#o.maxDeliveries) {
        const reason = `delivered ${counted} times (max ${this.#o.maxDeliveries}; ${notes.outageDeliveries} more during outages not counted); ${describeCause(notes.cause)}`;
        const cause = { counted, outageDeliveries: notes.outageDeliveries, last: notes.cause ?? null };
        await this.#deadLetterWhole(queue, entry, batch, 'MAX_DELIVERIES_EXCEEDED', reason, ctx, cause);
        return { outcome: 'dead_lettered', batch, errorCode: 'MAX_DELIVERIES_EXCEEDED', error: reason };
      }
    }

    const keys = batch.items.map((item, i) => itemKey(batch, item, i));
    const batchPrint = batchFingerprint(batch);
    const prints = batch.items.map((item) => itemFingerprint(batch.warehouse, item));
    const stored = await this.#d.markers.read(keys);
    const matches: MarkerMatch[] = batch.items.map((item, i) =>
      compareMarker(stored[i] ?? null, prints[i] as string, item.key === undefined ? batchPrint : undefined),
    );
    const reusedAt = matches.flatMap((m, i) => (m === 'batch-differs' ? [keys[i] as string] : []));
    if (reusedAt.length > 0) {
      // Same batch id, other content: nothing of it is applied; the producer must use a new id.
      const reason = `batch id ${JSON.stringify(batch.batchId)} was applied before with different content (items ${reusedAt.join(', ')}); nothing of this batch was applied`;
      await this.#deadLetterWhole(queue, entry, batch, 'BATCH_ID_REUSED', reason, ctx);
      return { outcome: 'dead_lettered', batch, errorCode: 'BATCH_ID_REUSED', error: reason };
    }

    let forgiven = false;
    // Items of this delivery between start and verdict, and those of them in a backoff wait.
    const items = { running: 0, waiting: 0, parked: false };
    const repark = () => {
      const parked = items.running > 0 && items.waiting === items.running;
      if (parked === items.parked) return;
      items.parked = parked;
      this.#parked += parked ? 1 : -1;
      if (parked) this.onParked();
    };
    const hooks = {
      onOutageWait: () => {
        if (forgiven) return;
        forgiven = true;
        // Recorded when the wait starts, so a crash during the outage does not count the delivery either.
        queue.forgiveDelivery(entry.id).catch(() => undefined);
      },
      events: this.#d.events,
      onBackoff: (waiting: boolean) => {
        items.waiting += waiting ? 1 : -1;
        repark();
      },
      onItem: (running: boolean) => {
        items.running += running ? 1 : -1;
        repark();
      },
      onSlot: slotted,
    };
    const applyOne = (item: BatchItem, i: number): Promise<ItemResult> => {
      const match = matches[i] as MarkerMatch;
      if (match !== 'absent') slotted();
      if (match === 'same')
        return Promise.resolve<ItemResult>({ kind: 'deduplicated', attempts: 0, upstream: undefined });
      if (match === 'item-differs') {
        return Promise.resolve<ItemResult>({
          kind: 'permanent',
          attempts: 0,
          code: 'IDEMPOTENCY_KEY_REUSED',
          message: `item key ${JSON.stringify(keys[i])} was applied before with a different operation`,
          upstream: undefined,
        });
      }
      return this.#applyItem(batch, item, keys[i] as string, signal, hooks, order, fence);
    };
    const order = entryOrder(entry.id);
    let results: ItemResult[];
    try {
      results = this.#o.skuOrder
        ? await runInSkuOrder(batch.items, this.#o.itemsPerBatch, applyOne)
        : await mapLimit(batch.items, this.#o.itemsPerBatch, applyOne);
    } finally {
      if (items.parked) this.#parked--;
      items.parked = false;
    }
    const markers: MarkerWrite[] = results.flatMap((r, i) =>
      (r.kind === 'applied' || r.kind === 'deduplicated') && matches[i] === 'absent'
        ? [
            {
              key: this.#d.markers.redisKey(keys[i] as string),
              value: markerValue(
                prints[i] as string,
                batch.items[i]?.key === undefined ? batchPrint : undefined,
              ),
            },
          ]
        : [],
    );
    const summary = summarizeBatch(results);
    // One metric update per outcome, not per item (#12).
    const outcomes = new Map<ItemOutcome, number>();
    for (const r of results) {
      const outcome = itemOutcome(r, summary.outcome === 'failed');
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    for (const [outcome, n] of outcomes) this.#countItems(entry.id, outcome, n);
    if (summary.outcome === 'failed') {
      const interrupted = summary.errorCode === 'INTERRUPTED';
      if (interrupted && !forgiven) {
        // A shutdown is not a verdict about the batch either.
        await queue.forgiveDelivery(entry.id);
      }
      const cause = interrupted ? undefined : deliveryCause(entry, this.#o.consumer, keys, results);
      await queue.giveBack(entry.id, markers, cause);
      const first = results.find((r) => r.kind === 'transient');
      return {
        outcome: 'failed',
        batch,
        errorCode: summary.errorCode,
        error: first && first.kind === 'transient' ? first.message : 'interrupted by shutdown',
        retries: summary.retries,
        redeliver: !interrupted,
      };
    }
    const deadLetters = summary.deadLetterIndexes.map((i) => {
      const r = results[i] as Extract<ItemResult, { kind: 'permanent' }>;
      return itemDeadLetter(batch, batch.items[i] as BatchItem, keys[i] as string, r.code, r.message, ctx, {
        attempts: r.attempts,
        upstream: r.upstream,
      });
    });
    await queue.finish(entry.id, markers, deadLetters);
    for (const i of summary.deadLetterIndexes) {
      const r = results[i] as Extract<ItemResult, { kind: 'permanent' }>;
      this.#d.events.emit('dead-lettered', r.code, r.message, entry.id, keys[i]);
    }
    return { outcome: summary.outcome, batch, errorCode: summary.errorCode, retries: summary.retries };
  }

  async #applyItem(
    batch: BatchMessage,
    item: BatchItem,
    key: string,
    signal: AbortSignal,
    hooks: AttemptHooks & { onItem(running: boolean): void; onSlot(): void },
    priority: number,
    fence: () => boolean,
  ): Promise<ItemResult> {
    this.#d.events.emit('item-running', true);
    hooks.onItem(true);
    try {
      // The call slot first (#12): while the item waits for one, it holds this frame, not the attempt
      // loop's; the request is built once a slot is there.
      const reservation = this.#d.router.reserve(priority);
      const reserved = reservation instanceof Promise ? await reservation : reservation;
      // Without a reservation (no upstream closed and unthrottled) the item is past the intake's concern too.
      hooks.onSlot();
      const request: ApplyRequest = { warehouse: batch.warehouse, sku: item.sku };
      if (item.delta !== undefined) request.delta = item.delta;
      if (item.target !== undefined) request.target = item.target;
      request.batchId = batch.batchId;
      return await applyWithRetries(
        this.#d.router,
        request,
        key,
        this.#o.attempts,
        hooks,
        signal,
        priority,
        fence,
        reserved,
      );
    } finally {
      this.#d.events.emit('item-running', false);
      hooks.onItem(false);
    }
  }

  async #deadLetterWhole(
    queue: DeliveryQueue,
    entry: StreamEntry,
    batch: BatchMessage | undefined,
    code: ErrorCode,
    reason: string,
    ctx: DeadLetterContext,
    cause?: unknown,
  ): Promise<void> {
    await queue.finish(entry.id, [], [batchDeadLetter(entry.fields, batch, code, reason, ctx, cause)]);
    this.#d.events.emit('dead-lettered', code, reason, entry.id, undefined);
    // Its items are dead-lettered too: counted like a partial batch's, so error rates include them (#17).
    if (batch) this.#countItems(entry.id, 'dead_lettered', batch.items.length);
  }

  /**
   * Item outcomes of the delivery, reported with its end (#16) to the metric and to the batch's log line
   * alike, so log alerts count what Prometheus does.
   */
  #countItems(entryId: string, outcome: ItemOutcome, n: number): void {
    const counts = this.#itemCounts.get(entryId) ?? {};
    counts[outcome] = (counts[outcome] ?? 0) + n;
    this.#itemCounts.set(entryId, counts);
  }

  /** One event per delivery (#16), once its verdict is written: the batch metrics and log line. */
  #record(entry: StreamEntry, report: Report, seconds: number): void {
    const items = this.#itemCounts.get(entry.id) ?? {};
    this.#itemCounts.delete(entry.id);
    const ok = report.outcome === 'success' || report.outcome === 'partial';
    this.#d.events.emit(ok ? 'completed' : 'batch-failed', report, entry, seconds, items);
  }
}

function deliveryCause(
  entry: StreamEntry,
  consumer: string,
  keys: readonly string[],
  results: readonly ItemResult[],
): DeliveryCause {
  return {
    consumer,
    at: new Date().toISOString(),
    deliveries: entry.deliveries,
    items: results.flatMap((r, index) =>
      r.kind === 'transient'
        ? [
            {
              index,
              key: keys[index] as string,
              code: r.code,
              error: r.message.slice(0, 500),
              attempts: r.attempts,
              upstream: r.upstream,
            },
          ]
        : [],
    ),
  };
}

// In a batch given back for redelivery nothing is dead-lettered yet: its permanent failures count as failed.
function itemOutcome(result: ItemResult, batchFailed: boolean): ItemOutcome {
  if (result.kind === 'permanent') return batchFailed ? 'failed' : 'dead_lettered';
  if (result.kind === 'transient' || result.kind === 'interrupted') return 'failed';
  return result.kind;
}

/**
 * Call-slot priority of a batch: its stream entry id ("ms-seq"), older first. With many batches in hand
 * (#12) the call limiter serves the oldest batch's items before newer ones, so a batch finishes in about
 * its own service time instead of the whole backlog's; newer batches fill the slots its waiting items leave.
 */
export function entryOrder(id: string): number {
  const [ms, seq] = id.split('-');
  return Number(ms) + Math.min(Number(seq ?? 0), 999_999) / 1_000_000;
}
