// Typed errors: the error_code travels with the error into metrics, logs and dead-letter entries.

export const ERROR_CODES = [
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_5XX',
  'RATE_LIMITED',
  'CONNECTION_ERROR',
  'CIRCUIT_OPEN',
  'UNKNOWN_SKU',
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'INVALID_MESSAGE',
  'MAX_DELIVERIES_EXCEEDED',
  'REDIS_ERROR',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const PERMANENT_UPSTREAM_CODES: ReadonlySet<ErrorCode> = new Set([
  'UNKNOWN_SKU',
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
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
