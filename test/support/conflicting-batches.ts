// Warehouse shards (#13): a workload where order matters. A few SKUs per warehouse, so batches often
// touch the same SKU, and absolute targets mixed with deltas, so any reordering shows in the final stock.
import { seededRandom } from '../../src/contracts/seeded-random.ts';
import { shardOf } from '../../src/contracts/shard-routing.ts';
import { skuFor } from '../../src/simulator/catalogue.ts';
import type { BatchMessage } from '../../src/worker/message.ts';

/** `count` warehouses on `count` different shards (when sharded), so the run has that many lanes. */
export function warehousesOnDistinctShards(count: number, shards: number): string[] {
  const names: string[] = [];
  const used = new Set<number>();
  for (let i = 1; names.length < count; i++) {
    const name = `WH-${String(i).padStart(2, '0')}`;
    const shard = shards > 0 ? shardOf(name, shards) : i;
    if (used.has(shard)) continue;
    used.add(shard);
    names.push(name);
  }
  return names;
}

export function conflictingBatches(o: {
  runId: string;
  batches: number;
  itemsPerBatch: number;
  skusPerWarehouse: number;
  warehouses: readonly string[];
  seed: number;
}): BatchMessage[] {
  const random = seededRandom(o.seed);
  return Array.from({ length: o.batches }, (_, b) => {
    const w = Math.floor(random() * o.warehouses.length);
    return {
      batchId: `${o.runId}-${String(b).padStart(5, '0')}`,
      warehouse: o.warehouses[w] as string,
      items: Array.from({ length: o.itemsPerBatch }, () => {
        const sku = skuFor(w * 100 + Math.floor(random() * o.skusPerWarehouse));
        return random() < 0.4
          ? { sku, target: Math.floor(random() * 1000) }
          : { sku, delta: Math.floor(random() * 41) - 20 || 1 };
      }),
      enqueuedAt: new Date().toISOString(),
    };
  });
}
