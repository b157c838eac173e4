// Items of one SKU in a batch, one after the other (issue 13): with warehouse shards the batches of a
// shard are processed one at a time, and inside a batch the items of one SKU must also take effect in
// their order. Different SKUs still run in parallel (at most `limit` at once). When an item of a SKU ends
// without an effect it can vouch for (transient failure, interruption), the later items of that SKU are
// not attempted: they get the same kind of result, so the batch is given back and retried in order.
import { mapLimit } from './map-limit.ts';
import type { ItemResult } from './item-attempts.ts';

export async function runInSkuOrder<T extends { sku: string }>(
  items: readonly T[],
  limit: number,
  apply: (item: T, index: number) => Promise<ItemResult>,
): Promise<ItemResult[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => groups.set(item.sku, [...(groups.get(item.sku) ?? []), index]));
  const results = new Array<ItemResult>(items.length);
  await mapLimit([...groups.values()], limit, async (indexes) => {
    let blocker: ItemResult | undefined;
    for (const index of indexes) {
      const item = items[index] as T;
      results[index] = blocker ? notAttempted(blocker, item.sku) : await apply(item, index);
      const result = results[index] as ItemResult;
      if (!blocker && (result.kind === 'transient' || result.kind === 'interrupted')) blocker = result;
    }
  });
  return results;
}

function notAttempted(blocker: ItemResult, sku: string): ItemResult {
  if (blocker.kind !== 'transient') return { kind: 'interrupted', attempts: 0 };
  return {
    kind: 'transient',
    attempts: 0,
    code: blocker.code,
    message: `not attempted: an earlier item of SKU ${sku} in this batch failed (${blocker.code})`,
    upstream: undefined,
  };
}
