// Processes one stream entry end to end: validate, check the delivery count, skip items already applied,
// apply the rest upstream (bounded concurrency), then acknowledge with the item dead letters in one MULTI,
// or leave the entry pending so that it is redelivered.
import { nextFailureRun, summarizeBatch, type ItemResult } from './batch-outcome.ts';
import { batchDeadLetter, itemDeadLetter, type DeadLetterContext } from './dead-letter.ts';
import { errorCodeOf, PermanentError, type ErrorCode } from './errors.ts';
import type { MarkerStore } from './idempotency.ts';
import type { Logger } from './logger.ts';
import { mapLimit } from './map-limit.ts';
import { itemKey, parseBatchFields, type BatchMessage } from './message.ts';
import type { BatchOutcome, ItemOutcome } from './metric-names.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { StreamEntry, StreamQueue } from './stream-queue.ts';
import type { UpstreamRouter } from './upstream-router.ts';

export interface ProcessorOptions {
  maxDeliveries: number;
  itemsPerBatch: number;
  consumer: string;
}

export interface ProcessorDeps {
  queue: StreamQueue;
  markers: MarkerStore;
  router: UpstreamRouter;
  metrics: WorkerMetrics;
  logger: Logger;
}

interface Report {
  outcome: BatchOutcome;
  batch?: BatchMessage;
  errorCode?: ErrorCode | undefined;
  error?: string;
  retries?: number;
}

export class BatchProcessor {
  readonly #o: ProcessorOptions;
  readonly #d: ProcessorDeps;
  #failureRun = 0;
  /** Item outcomes of the batches in flight, by stream entry id, until their log line is written. */
  readonly #itemCounts = new Map<string, Partial<Record<ItemOutcome, number>>>();

  constructor(options: ProcessorOptions, deps: ProcessorDeps) {
    this.#o = options;
    this.#d = deps;
  }

  async process(entry: StreamEntry): Promise<BatchOutcome> {
    const started = performance.now();
    let report: Report;
    try {
      report = await this.#handle(entry);
    } catch (error) {
      // Redis unreachable mid-batch and the like: leave the entry pending, it will be reclaimed.
      report = { outcome: 'failed', errorCode: 'REDIS_ERROR', error: (error as Error).message };
      this.#d.metrics.errors.inc({ error_code: 'REDIS_ERROR' });
    }
    this.#record(entry, report, (performance.now() - started) / 1000);
    return report.outcome;
  }

  async #handle(entry: StreamEntry): Promise<Report> {
    const ctx: DeadLetterContext = {
      sourceId: entry.id,
      deliveries: entry.deliveries,
      consumer: this.#o.consumer,
      failedAt: new Date(),
    };
    const parsed = parseBatchFields(entry.fields);
    if (!parsed.ok) {
      await this.#deadLetterWhole(entry, undefined, 'INVALID_MESSAGE', parsed.reason, ctx);
      return { outcome: 'invalid', errorCode: 'INVALID_MESSAGE', error: parsed.reason };
    }
    const batch = parsed.batch;
    if (entry.deliveries > this.#o.maxDeliveries) {
      const reason = `delivered ${entry.deliveries} times (max ${this.#o.maxDeliveries})`;
      await this.#deadLetterWhole(entry, batch, 'MAX_DELIVERIES_EXCEEDED', reason, ctx);
      return { outcome: 'dead_lettered', batch, errorCode: 'MAX_DELIVERIES_EXCEEDED', error: reason };
    }

    const keys = batch.items.map((item, i) => itemKey(batch, item, i));
    const done = await this.#d.markers.applied(keys);
    const results = await mapLimit(batch.items, this.#o.itemsPerBatch, (item, i) =>
      done.has(keys[i] as string)
        ? Promise.resolve<ItemResult>({ kind: 'deduplicated', retries: 0 })
        : this.#applyItem(batch, i, keys[i] as string),
    );
    const summary = summarizeBatch(results);
    for (const r of results) this.#countItems(entry.id, itemOutcome(r, summary.outcome === 'failed'), 1);
    if (summary.outcome === 'failed') {
      const first = results.find((r) => r.kind === 'transient');
      return {
        outcome: 'failed',
        batch,
        errorCode: summary.errorCode,
        error: first && 'message' in first ? first.message : '',
        retries: summary.retries,
      };
    }
    const deadLetters = summary.deadLetterIndexes.map((i) => {
      const r = results[i] as Extract<ItemResult, { kind: 'permanent' }>;
      return itemDeadLetter(
        batch,
        batch.items[i] as BatchMessage['items'][number],
        keys[i] as string,
        r.code,
        r.message,
        ctx,
      );
    });
    await this.#d.queue.ackWithDeadLetters(entry.id, deadLetters);
    for (const i of summary.deadLetterIndexes) {
      this.#d.metrics.deadLetters.inc({ error_code: (results[i] as { code: ErrorCode }).code });
    }
    return { outcome: summary.outcome, batch, errorCode: summary.errorCode, retries: summary.retries };
  }

  async #applyItem(batch: BatchMessage, index: number, key: string): Promise<ItemResult> {
    const item = batch.items[index] as BatchMessage['items'][number];
    this.#d.metrics.itemsInFlight.inc();
    try {
      const outcome = await this.#d.router.apply(
        {
          warehouse: batch.warehouse,
          sku: item.sku,
          ...(item.delta === undefined ? {} : { delta: item.delta }),
          ...(item.target === undefined ? {} : { target: item.target }),
          batchId: batch.batchId,
        },
        key,
      );
      const retries = Math.max(0, outcome.attempts - 1);
      if (!outcome.ok) {
        const code = errorCodeOf(outcome.error);
        const kind = outcome.error instanceof PermanentError ? 'permanent' : 'transient';
        return { kind, code, message: outcome.error.message, retries };
      }
      // A Redis failure here leaves the entry pending; the redelivery is deduplicated by the upstream.
      await this.#d.markers.markApplied(key);
      return { kind: outcome.response.status === 'replayed' ? 'deduplicated' : 'applied', retries };
    } finally {
      this.#d.metrics.itemsInFlight.dec();
    }
  }

  async #deadLetterWhole(
    entry: StreamEntry,
    batch: BatchMessage | undefined,
    code: ErrorCode,
    reason: string,
    ctx: DeadLetterContext,
  ): Promise<void> {
    await this.#d.queue.ackWithDeadLetters(entry.id, [
      batchDeadLetter(entry.fields, batch, code, reason, ctx),
    ]);
    this.#d.metrics.deadLetters.inc({ error_code: code });
    // Its items are dead-lettered too: counted like a partial batch's, so error rates include them (#17).
    if (batch) this.#countItems(entry.id, 'dead_lettered', batch.items.length);
  }

  /** Item outcomes go to the metric and to the batch's log line alike, so log alerts count what Prometheus does. */
  #countItems(entryId: string, outcome: ItemOutcome, n: number): void {
    this.#d.metrics.items.inc({ outcome }, n);
    const counts = this.#itemCounts.get(entryId) ?? {};
    counts[outcome] = (counts[outcome] ?? 0) + n;
    this.#itemCounts.set(entryId, counts);
  }

  #record(entry: StreamEntry, report: Report, seconds: number): void {
    const { metrics, logger } = this.#d;
    metrics.batches.inc({ outcome: report.outcome });
    metrics.batchDuration.observe({ outcome: report.outcome }, seconds);
    // Upstream errors are counted per call (worker.ts); these two never reach the upstream.
    if (report.errorCode && (report.outcome === 'invalid' || report.outcome === 'dead_lettered')) {
      metrics.errors.inc({ error_code: report.errorCode });
    }
    this.#failureRun = nextFailureRun(this.#failureRun, report.outcome);
    metrics.consecutiveFailedBatches.set(this.#failureRun);
    const fields = {
      batch_id: report.batch?.batchId ?? null,
      warehouse: report.batch?.warehouse ?? null,
      items: report.batch?.items.length ?? 0,
      duration: Number(seconds.toFixed(4)),
      outcome: report.outcome,
      ...(report.errorCode ? { error_code: report.errorCode } : {}),
      attempts: entry.deliveries,
      retries: report.retries ?? 0,
      item_outcomes: this.#itemCounts.get(entry.id) ?? {},
      stream_id: entry.id,
      ...(report.error ? { error: report.error } : {}),
    };
    this.#itemCounts.delete(entry.id);
    if (report.outcome === 'success' || report.outcome === 'partial') logger.info('batch_complete', fields);
    else logger.warn('batch_error', fields);
  }
}

// In a batch given back for redelivery nothing is dead-lettered yet: its permanent failures count as failed.
function itemOutcome(result: ItemResult, batchFailed: boolean): ItemOutcome {
  if (result.kind === 'permanent') return batchFailed ? 'failed' : 'dead_lettered';
  if (result.kind === 'transient') return 'failed';
  return result.kind;
}
