// What an applied marker remembers about the content it was set for (issue 4 of #11): a batch id
// reused for different items must be detected, not acknowledged as "already applied". Pure.
//
// Marker value `v2 <item> <batch>`: <item> fingerprints the item's operation (warehouse, sku, delta,
// target); <batch> fingerprints the whole batch when the key was derived from the batch id
// (`batchId:index`), `-` when the item carried its own key. A marker from before v2 (a timestamp) has no
// content and is trusted as a match.
import { hash as digest } from 'node:crypto';
import type { BatchItem, BatchMessage } from './message.ts';

// One-shot crypto.hash: no Hash object per item (#12 hot path); the same digest as createHash.
const hash = (value: unknown) => digest('sha256', JSON.stringify(value), 'base64url').slice(0, 22);

export function itemFingerprint(warehouse: string, item: BatchItem): string {
  return hash([warehouse, item.sku, item.delta ?? null, item.target ?? null]);
}

/** The batch's content as a whole; enqueuedAt is left out (a re-sent batch is the same batch). */
export function batchFingerprint(batch: BatchMessage): string {
  return hash([
    batch.warehouse,
    batch.items.map((i) => [i.sku, i.delta ?? null, i.target ?? null, i.key ?? null]),
  ]);
}

export function markerValue(itemPrint: string, batchPrint: string | undefined): string {
  return `v2 ${itemPrint} ${batchPrint ?? '-'}`;
}

export type MarkerMatch = 'absent' | 'same' | 'item-differs' | 'batch-differs';

/** Compares a stored marker with the item about to be applied. */
export function compareMarker(
  stored: string | null,
  itemPrint: string,
  batchPrint: string | undefined,
): MarkerMatch {
  if (stored === null) return 'absent';
  const [version, storedItem, storedBatch] = stored.split(' ');
  if (version !== 'v2') return 'same';
  // A derived key belongs to its batch: any other batch content under the same id is a reused id.
  if (batchPrint !== undefined && storedBatch !== '-')
    return storedBatch === batchPrint ? 'same' : 'batch-differs';
  return storedItem === itemPrint ? 'same' : 'item-differs';
}
