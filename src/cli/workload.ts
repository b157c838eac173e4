// Synthetic batches for `inventorybot enqueue` and the demo. Pure given a seed.
import { seededRandom } from '../contracts/seeded-random.ts';
import { skuFor } from '../simulator/catalogue.ts';
import { itemKey, type BatchMessage } from '../worker/message.ts';

export interface WorkloadOptions {
  batches: number;
  warehouses: number;
  minItems: number;
  maxItems: number;
  /** Share of items with a SKU outside the catalogue (they end in the dead-letter stream). */
  unknownSkuRate?: number;
  seed?: number;
  /** Batch id prefix; make it unique per run, or item keys collide with earlier runs' markers. */
  runId: string;
  now?: () => Date;
}

export function* syntheticBatches(options: WorkloadOptions): Generator<BatchMessage> {
  const random = seededRandom(options.seed ?? 1);
  const now = options.now ?? (() => new Date());
  const span = Math.max(0, options.maxItems - options.minItems);
  for (let b = 0; b < options.batches; b++) {
    const count = options.minItems + Math.floor(random() * (span + 1));
    const items = Array.from({ length: count }, (_, i) => {
      const sku =
        random() < (options.unknownSkuRate ?? 0) ? `UNKNOWN-${b}-${i}` : skuFor(Math.floor(random() * 5000));
      return random() < 0.1
        ? { sku, target: Math.floor(random() * 500) }
        : { sku, delta: Math.floor(random() * 20) - 8 || 1 };
    });
    yield {
      batchId: `${options.runId}-${String(b).padStart(6, '0')}`,
      warehouse: `WH-${String(1 + Math.floor(random() * options.warehouses)).padStart(2, '0')}`,
      items,
      enqueuedAt: now().toISOString(),
    };
  }
}

/** The idempotency keys a set of batches should leave in the upstream ledger. */
export function expectedItemKeys(batches: Iterable<BatchMessage>): string[] {
  return [...batches].flatMap((batch) => batch.items.map((item, i) => itemKey(batch, item, i)));
}
