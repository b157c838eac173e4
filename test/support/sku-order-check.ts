// Warehouse shards (#13): what the upstream ledger must show after a run: per (warehouse, SKU), the
// effects in enqueue order and the stock a sequential application of the operations gives.
import type { Ledger } from '../../src/simulator/ledger.ts';
import { itemKey, type BatchMessage } from '../../src/worker/message.ts';

interface SkuExpectation {
  warehouse: string;
  sku: string;
  keys: string[];
  stock: number;
}

/** Batches in enqueue order → per `warehouse/sku`: the expected effect order and final stock. */
export function sequentialApplication(batches: readonly BatchMessage[]): Map<string, SkuExpectation> {
  const expected = new Map<string, SkuExpectation>();
  for (const batch of batches) {
    batch.items.forEach((item, i) => {
      const id = `${batch.warehouse}/${item.sku}`;
      const sku = expected.get(id) ?? { warehouse: batch.warehouse, sku: item.sku, keys: [], stock: 0 };
      sku.keys.push(itemKey(batch, item, i));
      sku.stock = item.target ?? sku.stock + (item.delta ?? 0);
      expected.set(id, sku);
    });
  }
  return expected;
}

/** The `warehouse/sku` ids whose effects came out of order, and those whose stock is not the sequential one. */
export function orderViolations(ledger: Pick<Ledger, 'history' | 'stock'>, batches: readonly BatchMessage[]) {
  const expected = [...sequentialApplication(batches)];
  return {
    outOfOrder: expected
      .filter(([, s]) => JSON.stringify(ledger.history(s.warehouse, s.sku)) !== JSON.stringify(s.keys))
      .map(([id]) => id),
    wrongStock: expected.filter(([, s]) => ledger.stock(s.warehouse, s.sku) !== s.stock).map(([id]) => id),
  };
}
