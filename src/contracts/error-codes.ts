// The error_code every part agrees on (#16): it travels with a worker error into metric labels, log lines
// and dead-letter entries, and the log alerts and synthetic logs read it back.

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
  'SHARD_LEASE_LOST',
  'REDIS_ERROR',
  'INTERNAL_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
