import { nextFailureRun } from '../../../src/contracts/failure-run.ts';
import { summarizeBatch } from '../../../src/worker/batch-outcome.ts';

const up = { upstream: 'primary' };

describe('summarizeBatch', () => {
  it('success when every item is applied or already applied', () => {
    expect(
      summarizeBatch([
        { kind: 'applied', attempts: 3, ...up },
        { kind: 'deduplicated', attempts: 0, upstream: undefined },
      ]),
    ).toEqual({ outcome: 'success', errorCode: undefined, retries: 2, deadLetterIndexes: [] });
  });

  it('partial: permanent failures are dead-lettered, the rest completes', () => {
    expect(
      summarizeBatch([
        { kind: 'applied', attempts: 1, ...up },
        { kind: 'permanent', code: 'UNKNOWN_SKU', message: 'x', attempts: 1, ...up },
        { kind: 'permanent', code: 'VALIDATION_ERROR', message: 'y', attempts: 2, ...up },
      ]),
    ).toEqual({ outcome: 'partial', errorCode: 'UNKNOWN_SKU', retries: 1, deadLetterIndexes: [1, 2] });
  });

  it('failed when an item ran out of attempts: nothing dead-lettered yet, the batch is redelivered', () => {
    expect(
      summarizeBatch([
        { kind: 'permanent', code: 'UNKNOWN_SKU', message: 'x', attempts: 1, ...up },
        { kind: 'transient', code: 'UPSTREAM_5XX', message: 'y', attempts: 5, ...up },
      ]),
    ).toEqual({ outcome: 'failed', errorCode: 'UPSTREAM_5XX', retries: 4, deadLetterIndexes: [] });
  });

  it('interrupted by a shutdown: given back, nothing decided about any item', () => {
    expect(
      summarizeBatch([
        { kind: 'permanent', code: 'UNKNOWN_SKU', message: 'x', attempts: 1, ...up },
        { kind: 'interrupted', attempts: 0 },
      ]),
    ).toEqual({ outcome: 'failed', errorCode: 'INTERRUPTED', retries: 0, deadLetterIndexes: [] });
  });
});

describe('nextFailureRun', () => {
  it('counts failed and dead-lettered batches in a row, resets on an acknowledged batch', () => {
    let run = 0;
    for (const outcome of ['failed', 'dead_lettered', 'invalid', 'failed'] as const)
      run = nextFailureRun(run, outcome);
    expect(run).toBe(3);
    expect(nextFailureRun(run, 'partial')).toBe(0);
    expect(nextFailureRun(run, 'success')).toBe(0);
  });
});
