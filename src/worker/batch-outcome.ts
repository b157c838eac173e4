// How item results add up to a batch outcome. Pure.
import type { ErrorCode } from '../contracts/error-codes.ts';
import type { ItemResult } from './item-attempts.ts';
import type { BatchOutcome } from '../contracts/worker-metric-names.ts';

export type { ItemResult } from './item-attempts.ts';

export interface BatchSummary {
  /** success: all applied; partial: some dead-lettered, rest applied; failed: give back for redelivery. */
  outcome: Extract<BatchOutcome, 'success' | 'partial' | 'failed'>;
  errorCode: ErrorCode | undefined;
  retries: number;
  /** Indexes of the items that go to the dead-letter stream (only when the batch is acknowledged). */
  deadLetterIndexes: number[];
}

export function summarizeBatch(results: readonly ItemResult[]): BatchSummary {
  const retries = results.reduce((sum, r) => sum + Math.max(0, r.attempts - 1), 0);
  // A shutdown cut the delivery short: give it back, nothing is decided about its items.
  if (results.some((r) => r.kind === 'interrupted')) {
    return { outcome: 'failed', errorCode: 'INTERRUPTED', retries, deadLetterIndexes: [] };
  }
  const transient = results.find((r) => r.kind === 'transient');
  if (transient && transient.kind === 'transient') {
    // Dead-letter nothing yet: permanent items are cheap to retry and are dead-lettered once, with the ack.
    return { outcome: 'failed', errorCode: transient.code, retries, deadLetterIndexes: [] };
  }
  const deadLetterIndexes = results.flatMap((r, i) => (r.kind === 'permanent' ? [i] : []));
  const first = results.find((r) => r.kind === 'permanent');
  return {
    outcome: deadLetterIndexes.length > 0 ? 'partial' : 'success',
    errorCode: first && first.kind === 'permanent' ? first.code : undefined,
    retries,
    deadLetterIndexes,
  };
}
