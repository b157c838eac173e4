// The worker's error codes: the error_code travels with the error into metrics, logs and dead-letter entries.
// Which codes are a verdict about the item (dead-letter it) and which are about the upstream (retry,
// never dead-letter for that reason alone) is decided in classify.ts (issue 11).

import { isErrorCode, type ErrorCode } from '../contracts/error-codes.ts';
import { CodedError, TransientError } from '../contracts/errors.ts';

/** Codes an upstream may name in a 4xx body that are a verdict about the item itself. */
export const PERMANENT_UPSTREAM_CODES: ReadonlySet<ErrorCode> = new Set([
  'UNKNOWN_SKU',
  'VALIDATION_ERROR',
  'IDEMPOTENCY_KEY_REUSED',
]);

export function errorCodeOf(error: unknown): ErrorCode {
  return error instanceof CodedError && isErrorCode(error.code) ? error.code : 'INTERNAL_ERROR';
}

/**
 * Warehouse shards (#13): the worker no longer holds the shard lease of the delivery it tried to end (it
 * expired, or another worker took the shard), so it did not acknowledge it; the new owner redoes it.
 */
export class LeaseLostError extends TransientError<'SHARD_LEASE_LOST'> {
  constructor(message: string) {
    super('SHARD_LEASE_LOST', message);
  }
}
