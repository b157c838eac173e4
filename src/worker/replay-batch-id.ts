// The batch id a BATCH_ID_REUSED dead letter is replayed under (`dlq replay --new-batch-id`, #11). Under its
// own id the batch would only be dead-lettered again (its keyless items' markers are keyed by batch id and
// index), so it goes back as new work under `<old id>~replay-<dead-letter entry id>`. Deterministic: two
// replays of one entry (two operators at once) enqueue the same batch, and the second is a no-op. Pure.
import { hash } from 'node:crypto';
import { MAX_BATCH_ID_LENGTH } from './message.ts';

export function replayBatchId(batchId: string, deadLetterId: string): string {
  const suffix = `~replay-${deadLetterId}`;
  if (batchId.length + suffix.length <= MAX_BATCH_ID_LENGTH) return batchId + suffix;
  // Too long for the schema's bound: a prefix of the old id (still readable), a digest of all of it.
  const digest = `~${hash('sha256', batchId, 'base64url').slice(0, 22)}`;
  let prefix = batchId.slice(0, Math.max(0, MAX_BATCH_ID_LENGTH - suffix.length - digest.length));
  // Never split a surrogate pair: a lone surrogate cannot be encoded as UTF-8 (idempotency keys are).
  if (/[\uD800-\uDBFF]$/.test(prefix)) prefix = prefix.slice(0, -1);
  return prefix + digest + suffix;
}
