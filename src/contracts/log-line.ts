// The one log-line schema (#16): every part (operator, worker, simulator, CLI) writes, and the log alerts,
// the ROI report and the synthetic logs read, one JSON object per line: {timestamp, level, event,
// ...fields}. `event` is the one field naming what happened (the operator used to write `msg`); an Error
// anywhere in the fields is written as {name, message, stack, cause}. Pure.
import { BATCH_OUTCOMES, ITEM_OUTCOMES, type BatchOutcome, type ItemOutcome } from './worker-metric-names.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

/** The field naming what happened. */
export const EVENT_FIELD = 'event';

/** What a parsed line holds: the schema's fixed fields and whatever fields the event carries. */
export interface LogRecord extends LogFields {
  /** Written on every line; a reader tolerates lines without it (hand-made or older). */
  timestamp?: string;
  level?: LogLevel;
  event: string;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: unknown;
}

/** Causes deeper than this are cut: a cause chain may loop. */
const MAX_CAUSE_DEPTH = 5;

export function serializeError(error: Error, depth = 0): SerializedError {
  const { cause } = error;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause === undefined || depth >= MAX_CAUSE_DEPTH
      ? {}
      : // A non-Error cause may be any object, even a circular one: its text is enough.
        { cause: cause instanceof Error ? serializeError(cause, depth + 1) : String(cause) }),
  };
}

/**
 * One line (no newline). `mask` sees every string value (messages, fields, error texts, nested ones):
 * the logger passes the one redaction (contracts/redaction.ts); the synthetic logs pass none.
 */
export function formatLogLine(
  level: LogLevel,
  event: string,
  fields: LogFields,
  now: Date,
  mask: (text: string) => string = (text) => text,
): string {
  // The schema's fields come first and a field of the same name cannot replace them.
  const record: LogFields = { timestamp: now.toISOString(), level, [EVENT_FIELD]: event };
  for (const key of Object.keys(fields)) {
    if (key === 'timestamp' || key === 'level' || key === EVENT_FIELD) continue;
    // A field named __proto__ stays a field (as a spread copied it), not the record's prototype.
    if (key === '__proto__') Object.defineProperty(record, key, { value: fields[key], enumerable: true });
    else record[key] = fields[key];
  }
  // Without a replacer when it would change nothing: V8's serializer is then several times faster, and
  // the worker writes a line per batch (#12). Same text either way.
  if (!needsReplacer(record, mask, 0)) return JSON.stringify(record);
  return JSON.stringify(record, (_key, value: unknown) => {
    if (value instanceof Error) return serializeError(value);
    if (typeof value === 'string') return mask(value);
    return value;
  });
}

/** Deeper fields go the replacer's way (it also reports a cycle as JSON.stringify does). */
const MAX_PLAIN_DEPTH = 8;

/**
 * Would the replacer change anything below `value`: an Error, a string the mask changes, or something it
 * cannot tell without serializing (a toJSON method, deep or circular nesting)?
 */
function needsReplacer(value: unknown, mask: (text: string) => string, depth: number): boolean {
  if (typeof value === 'string') return mask(value) !== value;
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_PLAIN_DEPTH || value instanceof Error) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(value)) return value.some((item) => needsReplacer(item, mask, depth + 1));
  for (const key of Object.keys(value)) {
    if (needsReplacer((value as LogFields)[key], mask, depth + 1)) return true;
  }
  return false;
}

/** A line of the schema (a JSON object naming its event), or undefined for other text. */
export function parseLogLine(line: string): LogRecord | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const r = record as LogFields;
  return typeof r[EVENT_FIELD] === 'string' ? (r as LogRecord) : undefined;
}

// The worker's batch events: what the log alerts, the ROI report and the synthetic logs agree on.
export const BATCH_EVENTS = ['batch_complete', 'batch_error'] as const;

export interface BatchLogEvent {
  /** Milliseconds since the epoch. */
  time: number;
  event: (typeof BATCH_EVENTS)[number];
  batchId: string | null;
  warehouse: string | null;
  items: number;
  /** Seconds. */
  duration: number;
  outcome: BatchOutcome;
  errorCode?: string;
  /** Deliveries of the stream entry (1 = first). */
  attempts: number;
  /** Upstream calls retried while handling the batch. */
  retries: number;
  /** Items by outcome, as inventorybot_items_total counts them (lines from before issue 17 have none). */
  itemOutcomes?: Partial<Record<ItemOutcome, number>>;
  /** Which log the line came from (file name): consecutive failures are counted per source, like per worker. */
  source: string;
}

const isOutcome = (v: unknown): v is BatchOutcome =>
  typeof v === 'string' && (BATCH_OUTCOMES as readonly string[]).includes(v);
const finiteOr = (v: unknown, fallback: number) =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

/** One log line → a batch event; undefined for other events, other text, or lines missing the essentials. */
export function parseBatchEvent(line: string, source = '-'): BatchLogEvent | undefined {
  const record = parseLogLine(line);
  if (record === undefined) return undefined;
  const event = record.event;
  if (event !== 'batch_complete' && event !== 'batch_error') return undefined;
  const time = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  if (!Number.isFinite(time) || !isOutcome(record.outcome)) return undefined;
  const attempts = finiteOr(record.attempts, 1);
  const counts = record.item_outcomes;
  const itemOutcomes =
    counts !== null && typeof counts === 'object'
      ? Object.fromEntries(
          ITEM_OUTCOMES.map((o) => [o, Math.max(0, finiteOr((counts as Record<string, unknown>)[o], 0))]),
        )
      : undefined;
  return {
    time,
    event,
    batchId: typeof record.batch_id === 'string' ? record.batch_id : null,
    warehouse: typeof record.warehouse === 'string' ? record.warehouse : null,
    items: Math.max(0, finiteOr(record.items, 0)),
    duration: Math.max(0, finiteOr(record.duration, 0)),
    outcome: record.outcome,
    ...(typeof record.error_code === 'string' ? { errorCode: record.error_code } : {}),
    attempts,
    // Older lines without `retries`: count the redeliveries instead.
    retries: Math.max(0, finiteOr(record.retries, attempts - 1)),
    ...(itemOutcomes ? { itemOutcomes } : {}),
    source,
  };
}
