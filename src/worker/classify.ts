// What every upstream answer means (issue 11): one result per answer class, and whether it counts for
// or against the upstream's circuit breaker. Pure; README "Upstream answers" documents the same table.
//
// The rule: only a verdict about the item itself (a 4xx about the request content, or a protocol error
// body naming a permanent code) may dead-letter an item. Answers that say something about the upstream
// or the route to it (5xx, timeouts, resets, redirects, 401/403, a 404/405 page that is not our protocol)
// are retried and count against the breaker, so a lasting one becomes an outage, not dead letters.
// 429 and 409 are backpressure: wait (Retry-After at least), never a breaker failure, not an attempt.
import { isErrorCode, type ErrorCode } from '../contracts/error-codes.ts';
import { PermanentError, TransientError } from '../contracts/errors.ts';
import { PERMANENT_UPSTREAM_CODES } from './errors.ts';
import { parseRetryAfter } from './retry-after.ts';

/** How a result moves the breaker: a failure, a sign of health, or nothing (the call never left). */
export type BreakerEffect = 'failure' | 'success' | 'none';

export type CallResult =
  | { kind: 'applied' }
  | { kind: 'replayed' }
  | { kind: 'rejected'; error: PermanentError<ErrorCode>; breaker: BreakerEffect }
  | { kind: 'failed'; error: TransientError<ErrorCode>; breaker: BreakerEffect }
  | {
      kind: 'throttled';
      error: TransientError<ErrorCode>;
      retryAfterMs: number | undefined;
      /** 'success' for an answer (the upstream is up); 'none' for a call held back by a pause, never sent. */
      breaker: BreakerEffect;
    };

export const breakerEffect = (result: CallResult): BreakerEffect =>
  result.kind === 'applied' || result.kind === 'replayed' ? 'success' : result.breaker;

/** 4xx statuses that are about the request content, so about the item, even without a protocol body. */
const ITEM_STATUSES = new Set([400, 410, 413, 422]);

export function classifyAnswer(
  status: number,
  bodyText: string,
  retryAfter: string | string[] | undefined,
  nowMs: number,
): CallResult {
  if (status >= 200 && status < 300) {
    // A 2xx means applied, whatever the body (204, empty, not JSON): only an explicit `replayed` says
    // the effect came from an earlier call. A body that cannot hold it is not parsed (#12 hot path; a
    // backslash might be an escaped letter of it).
    if (!bodyText.includes('replayed') && !bodyText.includes('\\')) return { kind: 'applied' };
    const body = parseJson(bodyText);
    return isRecord(body) && body.status === 'replayed' ? { kind: 'replayed' } : { kind: 'applied' };
  }
  const body = parseJson(bodyText);
  const detail = describe(status, body, bodyText);
  const transientError = (code: ErrorCode) => answerError(() => new TransientError(code, detail));
  const permanentError = (code: ErrorCode) => answerError(() => new PermanentError(code, detail));
  const transient = (code: ErrorCode, breaker: BreakerEffect = 'failure') =>
    ({ kind: 'failed', error: transientError(code), breaker }) as const;
  if (status === 429) {
    const error = transientError('RATE_LIMITED');
    return { kind: 'throttled', error, retryAfterMs: parseRetryAfter(retryAfter, nowMs), breaker: 'success' };
  }
  if (status === 409) {
    // Idempotency-Key draft: a request with this key is still being processed. Wait and ask again.
    const error = transientError('KEY_IN_PROGRESS');
    return { kind: 'throttled', error, retryAfterMs: parseRetryAfter(retryAfter, nowMs), breaker: 'success' };
  }
  if (status === 408 || status === 504) return transient('UPSTREAM_TIMEOUT');
  if (status >= 500) return transient('UPSTREAM_5XX');
  if (status >= 300 && status < 400) return transient('UPSTREAM_REDIRECT');
  if (status === 401 || status === 403) return transient('UNAUTHORIZED');
  if (status >= 400 && status < 500) {
    const code = bodyCode(body);
    if (code !== undefined && isErrorCode(code) && PERMANENT_UPSTREAM_CODES.has(code)) {
      return {
        kind: 'rejected',
        error: permanentError(code),
        breaker: 'success',
      };
    }
    if (code !== undefined || ITEM_STATUSES.has(status)) {
      return {
        kind: 'rejected',
        error: permanentError('VALIDATION_ERROR'),
        breaker: 'success',
      };
    }
    // A 404/405/415 page that does not speak the protocol: a wrong route, not a wrong item.
    return transient('UPSTREAM_REJECTED');
  }
  // 1xx as a final answer or a status outside the HTTP range: a broken upstream.
  return transient('UPSTREAM_REJECTED');
}

/**
 * The error for an upstream's answer, built without a stack trace: the answer is the upstream's, so the
 * worker's own call path says nothing about it (log lines carry the code and the answer), and capturing
 * it was ~3 % of the worker's busy time in a drain at 20 % failures (#12 profile, 2026-11-30).
 */
function answerError<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** undici refuses to build the request (a header value with CR/LF/NUL, ...): nothing was sent. */
const REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_CHAR', 'ERR_INVALID_ARG_VALUE']);

/** A call that got no HTTP answer: our timeout, a connection problem, or a request that could not be built. */
export function classifyCallError(error: unknown, timedOut: boolean): CallResult {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  const text = `${code ?? name ?? 'Error'}: ${message ?? String(error)}`;
  if (code && REQUEST_CODES.has(code)) {
    return {
      kind: 'rejected',
      error: new PermanentError('INVALID_REQUEST', `request could not be built: ${text}`, { cause: error }),
      breaker: 'none',
    };
  }
  if (timedOut || (code && TIMEOUT_CODES.has(code))) {
    return {
      kind: 'failed',
      error: new TransientError('UPSTREAM_TIMEOUT', timedOut ? 'no answer within the timeout' : text, {
        cause: error,
      }),
      breaker: 'failure',
    };
  }
  return {
    kind: 'failed',
    error: new TransientError('CONNECTION_ERROR', text, { cause: error }),
    breaker: 'failure',
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function bodyCode(body: unknown): string | undefined {
  return isRecord(body) && typeof body.error_code === 'string' ? body.error_code : undefined;
}

function describe(status: number, body: unknown, text: string): string {
  const code = bodyCode(body);
  const message = isRecord(body) && 'message' in body ? String(body.message) : body === undefined ? text : '';
  const short = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `upstream answered ${status}${code ? ` ${code}` : ''}${short ? `: ${short}` : ''}`;
}
