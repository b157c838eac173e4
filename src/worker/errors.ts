// Typed errors: the error_code travels with the error into metrics, logs and dead-letter entries.
// Which codes are a verdict about the item (dead-letter it) and which are about the upstream (retry,
// never dead-letter for that reason alone) is decided in classify.ts (issue 11).

export const ERROR_CODES = [
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_5XX',
  'UPSTREAM_REDIRECT',
  'UPSTREAM_REJECTED',
  'RATE_LIMITED',
  'KEY_IN_PROGRESS',
  'CONNECTION_ERROR',
  'CIRCUIT_OPEN',
  'UNKNOWN_SKU',
  'VALIDATION_ERROR',
  'INVALID_REQUEST',
  'IDEMPOTENCY_KEY_REUSED',
  'BATCH_ID_REUSED',
  'UNAUTHORIZED',
  'INVALID_MESSAGE',
  'MAX_DELIVERIES_EXCEEDED',
  'INTERRUPTED',
  'REDIS_ERROR',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes an upstream may name in a 4xx body that are a verdict about the item itself. */
export const PERMANENT_UPSTREAM_CODES: ReadonlySet<ErrorCode> = new Set([
  'UNKNOWN_SKU',
  'VALIDATION_ERROR',
  'IDEMPOTENCY_KEY_REUSED',
]);

export class InventoryBotError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Worth retrying: timeouts, 5xx, 429, connection errors, an open breaker. */
export class TransientError extends InventoryBotError {}

/** Retrying cannot help: the item goes to the dead-letter stream. */
export class PermanentError extends InventoryBotError {}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof InventoryBotError ? error.code : 'INTERNAL_ERROR';
}
