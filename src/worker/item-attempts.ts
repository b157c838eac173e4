// Applies one item: retry with backoff on transient upstream errors, wait (not an attempt) while no
// upstream can take calls or the upstream asked to wait (429/409 Retry-After), stop on a verdict about
// the item (issue 11). The retry loop is ours rather than cockatiel's so that these waits are explicit
// steps; issue 12 turns them into a timer queue that holds no capacity.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelayMs } from './backoff.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import type { SlotReservation, UpstreamRouter } from './upstream-router.ts';
import type { ApplyRequest } from '../contracts/upstream-protocol.ts';
import type { WorkerFileConfig } from '../contracts/worker-config.ts';
import type { WorkerEvents } from './worker-events.ts';

/** spec.retry as the worker config document gives it (#16: derived, not restated). */
export type AttemptOptions = WorkerFileConfig['retry'];

/** The last failed call of an item: what a dead letter or a give-back records as its cause. */
export interface ItemFailure {
  code: ErrorCode;
  message: string;
  upstream: string | undefined;
}

export type ItemResult =
  | { kind: 'applied' | 'deduplicated'; attempts: number; upstream: string | undefined }
  | { kind: 'permanent'; attempts: number; code: ErrorCode; message: string; upstream: string | undefined }
  | { kind: 'transient'; attempts: number; code: ErrorCode; message: string; upstream: string | undefined }
  | { kind: 'interrupted'; attempts: number };

export interface AttemptHooks {
  /** Called once per item when it starts waiting for an upstream (an outage). */
  onOutageWait(): void;
  /** Failed calls (`failed`) and retry waits (`retried`) are reported there (#16). */
  events: WorkerEvents;
  /** Around each backoff or Retry-After wait (#12): the batch knows when all its items only wait. */
  onBackoff?(waiting: boolean): void;
}

export async function applyWithRetries(
  router: UpstreamRouter,
  request: ApplyRequest,
  key: string,
  options: AttemptOptions,
  hooks: AttemptHooks,
  signal: AbortSignal,
  /** Call-slot priority: lower first (the batch's entry order). */
  priority = 0,
  /** Warehouse shards (#13): false while the worker may no longer hold the batch's shard; no call is made. */
  fence: () => boolean = () => true,
  /** A call slot taken for the first call (router.reserve, #12); given back if that call is not made. */
  reserved?: SlotReservation,
): Promise<ItemResult> {
  let slot = reserved;
  let attempts = 0;
  let calls = 0;
  let previousDelay = 0;
  let waitedForOutage = false;
  // A shutdown (signal) lets calls that can be made now go ahead, so batches in flight finish; it only
  // cuts waits short (outage, backoff, Retry-After), and the batch is then given back.
  for (;;) {
    if (!router.available()) {
      slot?.release('ignore', 0);
      slot = undefined;
      if (signal.aborted) return { kind: 'interrupted', attempts: calls };
      if (!waitedForOutage) hooks.onOutageWait();
      waitedForOutage = true;
      await router.whenAvailable(signal);
      // Failures that led into the outage were the outage's, not the item's: start the count again.
      attempts = 0;
      continue;
    }
    if (!fence()) {
      slot?.release('ignore', 0);
      return { kind: 'interrupted', attempts: calls };
    }
    const result = await router.call(request, key, priority, slot);
    slot = undefined;
    if (result.kind === 'unavailable') continue;
    calls++;
    if (result.kind === 'applied' || result.kind === 'replayed') {
      const kind = result.kind === 'applied' ? 'applied' : 'deduplicated';
      return { kind, attempts: calls, upstream: result.upstream };
    }
    const { events } = hooks;
    if (result.kind === 'rejected') {
      events.emit('failed', 'permanent', result.error.code, result.upstream, calls);
      return failure('permanent', calls, result);
    }
    if (result.kind === 'throttled') {
      events.emit('failed', 'throttled', result.error.code, result.upstream, calls);
      // Backpressure: wait at least what the upstream asked, never less than the backoff; no attempt used.
      const delay = Math.max(
        result.retryAfterMs ?? 0,
        backoffDelayMs(options, Math.max(1, attempts), previousDelay),
      );
      events.emit('retried', delay, result.error.code, calls);
      if (!(await pause(hooks, delay, signal))) return { kind: 'interrupted', attempts: calls };
      continue;
    }
    events.emit('failed', 'transient', result.error.code, result.upstream, calls);
    attempts++;
    if (attempts >= options.maxAttempts) return failure('transient', calls, result);
    previousDelay = backoffDelayMs(options, attempts, previousDelay);
    events.emit('retried', previousDelay, result.error.code, calls);
    if (!(await pause(hooks, previousDelay, signal))) return { kind: 'interrupted', attempts: calls };
  }
}

/** A backoff or Retry-After wait; false if the signal cut it short. Not a closure per item (#12). */
async function pause(hooks: AttemptHooks, ms: number, signal: AbortSignal): Promise<boolean> {
  hooks.onBackoff?.(true);
  try {
    return await sleep(ms, true, { signal }).catch(() => false);
  } finally {
    hooks.onBackoff?.(false);
  }
}

function failure(
  kind: 'permanent' | 'transient',
  attempts: number,
  result: { error: { code: ErrorCode; message: string }; upstream: string | undefined },
): ItemResult {
  return {
    kind,
    attempts,
    code: result.error.code,
    message: result.error.message,
    upstream: result.upstream,
  };
}
