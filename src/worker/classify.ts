// Maps upstream answers and network failures onto typed errors. Pure.
import { isErrorCode, PERMANENT_UPSTREAM_CODES, PermanentError, TransientError } from './errors.ts';

/** null for a 2xx; otherwise the typed error the status (and the body's error_code) stand for. */
export function classifyResponse(status: number, body: unknown): TransientError | PermanentError | null {
  if (status >= 200 && status < 300) return null;
  const detail = describe(status, body);
  if (status === 429) return new TransientError('RATE_LIMITED', detail);
  if (status === 408 || status === 504) return new TransientError('UPSTREAM_TIMEOUT', detail);
  if (status >= 500) return new TransientError('UPSTREAM_5XX', detail);
  if (status === 401 || status === 403) return new PermanentError('UNAUTHORIZED', detail);
  const code = bodyCode(body);
  if (code !== undefined && isErrorCode(code) && PERMANENT_UPSTREAM_CODES.has(code)) {
    return new PermanentError(code, detail);
  }
  return new PermanentError('VALIDATION_ERROR', detail);
}

const TIMEOUT_NAMES = new Set(['TaskCancelledError', 'AbortError', 'TimeoutError']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** A failure without an HTTP answer: a timeout or a connection problem, both transient. */
export function classifyNetworkError(error: unknown): TransientError {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  const text = `${code ?? name ?? 'Error'}: ${message ?? String(error)}`;
  if ((name && TIMEOUT_NAMES.has(name)) || (code && TIMEOUT_CODES.has(code))) {
    return new TransientError('UPSTREAM_TIMEOUT', text, { cause: error });
  }
  return new TransientError('CONNECTION_ERROR', text, { cause: error });
}

function bodyCode(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'error_code' in body) {
    const code = (body as { error_code: unknown }).error_code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function describe(status: number, body: unknown): string {
  const message =
    typeof body === 'object' && body !== null && 'message' in body
      ? String((body as { message: unknown }).message)
      : '';
  const code = bodyCode(body);
  return `upstream answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}
