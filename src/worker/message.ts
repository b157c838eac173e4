// The batch message: stream entry field `batch` holds this JSON document.
import { z } from 'zod';

export const BATCH_FIELD = 'batch';

export const batchItemSchema = z
  .object({
    sku: z.string().min(1).max(128),
    delta: z.int().optional(),
    target: z.int().min(0).optional(),
    key: z.string().min(1).max(256).optional(),
  })
  .refine((item) => (item.delta === undefined) !== (item.target === undefined), {
    message: 'exactly one of delta or target is required',
  });

export const batchMessageSchema = z.object({
  batchId: z.string().min(1).max(200),
  warehouse: z.string().min(1).max(128),
  items: z.array(batchItemSchema).min(1).max(1000),
  enqueuedAt: z.iso.datetime({ offset: true }),
});

export type BatchItem = z.output<typeof batchItemSchema>;
export type BatchMessage = z.output<typeof batchMessageSchema>;

export type ParsedMessage = { ok: true; batch: BatchMessage } | { ok: false; reason: string };

/** Never throws: a bad message is a value, so the worker can dead-letter it and carry on. */
export function parseBatchFields(fields: Record<string, string>): ParsedMessage {
  const raw = fields[BATCH_FIELD];
  if (raw === undefined) return { ok: false, reason: `missing field "${BATCH_FIELD}"` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = batchMessageSchema.safeParse(json);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, reason };
  }
  return { ok: true, batch: parsed.data };
}

/** The idempotency key of an item: its own key, or `${batchId}:${index}`. */
export function itemKey(
  batch: Pick<BatchMessage, 'batchId'>,
  item: Pick<BatchItem, 'key'>,
  index: number,
): string {
  return item.key ?? `${batch.batchId}:${index}`;
}

export function encodeBatch(batch: BatchMessage): Record<string, string> {
  return { [BATCH_FIELD]: JSON.stringify(batch) };
}
