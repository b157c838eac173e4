// Batches from a file: a JSON array of batches, JSON lines, or CSV with a header
// `batchId,warehouse,sku,delta,target,key` (rows grouped into batches by batchId). Pure.
import { batchMessageSchema, type BatchMessage } from '../worker/message.ts';

export type BatchFileFormat = 'json' | 'jsonl' | 'csv';

export function formatOf(path: string): BatchFileFormat {
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
  return 'json';
}

export class BatchFileError extends Error {}

export function parseBatchFile(
  text: string,
  format: BatchFileFormat,
  now: Date = new Date(),
): BatchMessage[] {
  const raw: unknown[] =
    format === 'csv'
      ? csvBatches(text, now)
      : format === 'jsonl'
        ? text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown)
        : toArray(JSON.parse(text) as unknown);
  return raw.map((value, i) => {
    const withTime =
      typeof value === 'object' && value !== null ? { enqueuedAt: now.toISOString(), ...value } : value;
    const parsed = batchMessageSchema.safeParse(withTime);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ');
      throw new BatchFileError(`batch ${i + 1}: ${detail}`);
    }
    return parsed.data;
  });
}

const toArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function csvBatches(text: string, now: Date): unknown[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  for (const required of ['batchId', 'warehouse', 'sku']) {
    if (col(required) < 0) throw new BatchFileError(`CSV header lacks column ${required}`);
  }
  const batches = new Map<
    string,
    { batchId: string; warehouse: string; items: unknown[]; enqueuedAt: string }
  >();
  for (const [n, line] of lines.entries()) {
    const cells = line.split(',').map((c) => c.trim());
    const get = (name: string) => (col(name) >= 0 ? cells[col(name)] || undefined : undefined);
    const batchId = get('batchId') ?? '';
    const batch = batches.get(batchId) ?? {
      batchId,
      warehouse: get('warehouse') ?? '',
      items: [],
      enqueuedAt: now.toISOString(),
    };
    const number = (name: string) => {
      const value = get(name);
      if (value === undefined) return undefined;
      if (!/^-?\d+$/.test(value)) throw new BatchFileError(`line ${n + 2}: ${name} must be an integer`);
      return Number(value);
    };
    const delta = number('delta');
    const target = number('target');
    const key = get('key');
    batch.items.push({
      sku: get('sku'),
      ...(delta === undefined ? {} : { delta }),
      ...(target === undefined ? {} : { target }),
      ...(key === undefined ? {} : { key }),
    });
    batches.set(batchId, batch);
  }
  return [...batches.values()];
}
