// Typed errors: the error_code travels with the error into metrics, logs and dead-letter entries.
// Which codes are a verdict about the item (dead-letter it) and which are about the upstream (retry,
// never dead-letter for that reason alone) is decided in classify.ts (issue 11).

import { type ErrorCode } from '../contracts/error-codes.ts';

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

export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof InventoryBotError ? error.code : 'INTERNAL_ERROR';
}
