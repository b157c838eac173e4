// Reconcile errors are typed so the work queue knows whether retrying can help.
// The class itself, not client-node's index (#14: the index loads its whole generated API surface).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { REASONS } from '../api/names.ts';
import { PermanentError, TransientError } from '../contracts/errors.ts';

/**
 * An object the bot would own exists and is not the bot's (#14): left untouched, the bot is Degraded
 * naming it until the object is removed or the bot renamed.
 */
export class ObjectNotOwnedError extends PermanentError {
  readonly object: string;
  constructor(object: string, why: string) {
    super(
      REASONS.objectNotOwned,
      `${object} already exists and ${why}: the operator leaves it untouched; delete or rename that object, or give the InventoryBot another name`,
    );
    this.object = object;
  }
}

export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => httpStatusOf(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatusOf(error) === 409;

/**
 * An apply with a uid precondition (Applier.apply) found another object under that name: the API server
 * reports the changed uid as an invalid metadata.uid (422), a missing object as a 409 Conflict.
 */
export function isUidPreconditionFailure(error: unknown): boolean {
  if (isConflict(error)) return true;
  if (!(error instanceof ApiException) || error.code !== 422) return false;
  try {
    const status = JSON.parse(String(error.body)) as { details?: { causes?: { field?: string }[] } };
    return status.details?.causes?.some((cause) => cause.field === 'metadata.uid') ?? false;
  } catch {
    return false;
  }
}

/** The `message` of the Kubernetes Status carried by an ApiException, else the error's own message. */
export function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const status = JSON.parse(String(error.body)) as { message?: string };
      if (status.message) return status.message;
    } catch {
      // not a Status body
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** 4xx other than conflict, throttling and timeouts means the request itself is wrong. */
export function classifyApiError(error: unknown, what: string): PermanentError | TransientError {
  const status = httpStatusOf(error);
  const message = `${what}: ${apiMessage(error)}`;
  if (status !== undefined && status >= 400 && status < 500 && ![404, 408, 409, 429].includes(status)) {
    return new PermanentError('ApiRejected', message, { cause: error });
  }
  return new TransientError('ApiRetryable', message, { cause: error });
}
