// How the consecutive-failed-batches figure moves (#16): the worker's gauge and the log alerts count it
// the same way, so the rule lives here once. Pure.
import type { BatchOutcome } from './worker-metric-names.ts';

/** Consecutive failed batches: failures add one, a batch that got acknowledged resets the run. */
export function nextFailureRun(current: number, outcome: BatchOutcome): number {
  if (outcome === 'failed' || outcome === 'dead_lettered') return current + 1;
  if (outcome === 'invalid') return current;
  return 0;
}
