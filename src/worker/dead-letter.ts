// Dead-letter entries: what is written for a failed item, a failed batch or a malformed message, and how
// the CLI reads and filters them. Every entry keeps a `batch` field that can go back on the main stream
// as is (an item entry holds a one-item batch whose item carries its original idempotency key).
import type { ErrorCode } from '../contracts/error-codes.ts';
import { BATCH_FIELD, type BatchItem, type BatchMessage } from './message.ts';

export type DeadLetterKind = 'item' | 'batch' | 'message';

export interface DeadLetterContext {
  sourceId: string;
  deliveries: number;
  consumer: string;
  failedAt: Date;
}

export function itemDeadLetter(
  batch: BatchMessage,
  item: BatchItem,
  key: string,
  code: ErrorCode,
  error: string,
  ctx: DeadLetterContext,
  cause: { attempts: number; upstream: string | undefined } = { attempts: 0, upstream: undefined },
): Record<string, string> {
  const single: BatchMessage = { ...batch, items: [{ ...item, key }] };
  return {
    ...common('item', code, error, ctx),
    // Every dead letter carries its cause (issue 11): the last error, the calls spent, and where.
    attempts: String(cause.attempts),
    upstream: cause.upstream ?? '',
    [BATCH_FIELD]: JSON.stringify(single),
    batch_id: batch.batchId,
    warehouse: batch.warehouse,
    item_key: key,
    sku: item.sku,
  };
}

export function batchDeadLetter(
  fields: Record<string, string>,
  batch: Pick<BatchMessage, 'batchId' | 'warehouse'> | undefined,
  code: ErrorCode,
  error: string,
  ctx: DeadLetterContext,
  /** Structured cause (JSON), e.g. the per-item failures behind MAX_DELIVERIES_EXCEEDED. */
  cause?: unknown,
): Record<string, string> {
  return {
    ...common(batch ? 'batch' : 'message', code, error, ctx),
    ...(cause === undefined ? {} : { cause: JSON.stringify(cause).slice(0, 20_000) }),
    // A malformed message may lack the batch field: keep every original field so nothing is lost.
    [BATCH_FIELD]: fields[BATCH_FIELD] ?? '',
    original_fields: JSON.stringify(fields),
    ...(batch ? { batch_id: batch.batchId, warehouse: batch.warehouse } : {}),
  };
}

function common(kind: DeadLetterKind, code: ErrorCode, error: string, ctx: DeadLetterContext) {
  return {
    kind,
    error_code: code,
    error: error.slice(0, 2000),
    source_id: ctx.sourceId,
    deliveries: String(ctx.deliveries),
    consumer: ctx.consumer,
    failed_at: ctx.failedAt.toISOString(),
  };
}

export interface DeadLetterEntry {
  id: string;
  kind: string;
  errorCode: string;
  error: string;
  batchId: string | undefined;
  warehouse: string | undefined;
  itemKey: string | undefined;
  failedAt: string | undefined;
  deliveries: number | undefined;
  attempts: number | undefined;
  upstream: string | undefined;
  cause: string | undefined;
  batch: string;
}

export function parseDeadLetter(id: string, fields: Record<string, string>): DeadLetterEntry {
  return {
    id,
    kind: fields.kind ?? 'unknown',
    errorCode: fields.error_code ?? 'UNKNOWN',
    error: fields.error ?? '',
    batchId: fields.batch_id,
    warehouse: fields.warehouse,
    itemKey: fields.item_key,
    failedAt: fields.failed_at,
    deliveries: fields.deliveries === undefined ? undefined : Number(fields.deliveries),
    attempts: fields.attempts === undefined ? undefined : Number(fields.attempts),
    upstream: fields.upstream || undefined,
    cause: fields.cause,
    batch: fields[BATCH_FIELD] ?? '',
  };
}

export interface DeadLetterFilter {
  errorCode?: string;
  warehouse?: string;
  batchId?: string;
  kind?: string;
}

export function matchesFilter(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  return (
    (filter.errorCode === undefined || entry.errorCode === filter.errorCode) &&
    (filter.warehouse === undefined || entry.warehouse === filter.warehouse) &&
    (filter.batchId === undefined || entry.batchId === filter.batchId) &&
    (filter.kind === undefined || entry.kind === filter.kind)
  );
}
