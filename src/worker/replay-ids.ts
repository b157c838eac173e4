// The new ids `dlq replay` gives dead letters that can only loop under their old ones (#11). A
// BATCH_ID_REUSED batch (`--new-batch-id`): its keyless items' markers are keyed by batch id and index. An
// IDEMPOTENCY_KEY_REUSED item (`--new-item-key`): its key was applied before with another operation, by
// our markers or by the upstream's own idempotency. Both go back as new work under
// `<old>~replay-<dead-letter entry id>`. Deterministic: two replays of one entry (two operators at once)
// enqueue the same work, and the second is a no-op. Pure.
import { hash } from 'node:crypto';
import { MAX_BATCH_ID_LENGTH, MAX_ITEM_KEY_LENGTH } from './message.ts';

/** `<old>~replay-<entry>` within maxLength: if too long, a readable prefix of old plus a digest of it all. */
function replayId(old: string, deadLetterId: string, maxLength: number): string {
  const suffix = `~replay-${deadLetterId}`;
  if (old.length + suffix.length <= maxLength) return old + suffix;
  const digest = `~${hash('sha256', old, 'base64url').slice(0, 22)}`;
  let prefix = old.slice(0, Math.max(0, maxLength - suffix.length - digest.length));
  // Never split a surrogate pair: a lone surrogate cannot be encoded as UTF-8 (idempotency keys are).
  if (/[\uD800-\uDBFF]$/.test(prefix)) prefix = prefix.slice(0, -1);
  return prefix + digest + suffix;
}

export const replayBatchId = (batchId: string, deadLetterId: string): string =>
  replayId(batchId, deadLetterId, MAX_BATCH_ID_LENGTH);

export const replayItemKey = (key: string, deadLetterId: string): string =>
  replayId(key, deadLetterId, MAX_ITEM_KEY_LENGTH);
