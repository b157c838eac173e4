import { BatchFileError, formatOf, parseBatchFile } from '../../../src/cli/batch-file.ts';

const now = new Date('2025-01-01T00:00:00Z');

describe('parseBatchFile', () => {
  it('groups CSV rows into batches by batchId', () => {
    const csv =
      'batchId,warehouse,sku,delta,target,key\nb1,W1,SKU-00001,3,,\nb1,W1,SKU-00002,,7,k\nb2,W2,SKU-00003,-1,,\n';
    expect(parseBatchFile(csv, 'csv', now)).toEqual([
      {
        batchId: 'b1',
        warehouse: 'W1',
        items: [
          { sku: 'SKU-00001', delta: 3 },
          { sku: 'SKU-00002', target: 7, key: 'k' },
        ],
        enqueuedAt: now.toISOString(),
      },
      {
        batchId: 'b2',
        warehouse: 'W2',
        items: [{ sku: 'SKU-00003', delta: -1 }],
        enqueuedAt: now.toISOString(),
      },
    ]);
  });

  it('reads JSON arrays and JSON lines, filling enqueuedAt', () => {
    const batch = { batchId: 'b', warehouse: 'W', items: [{ sku: 'S', delta: 1 }] };
    expect(parseBatchFile(JSON.stringify([batch]), 'json', now)[0]?.enqueuedAt).toBe(now.toISOString());
    expect(
      parseBatchFile(`${JSON.stringify(batch)}\n\n${JSON.stringify(batch)}\n`, 'jsonl', now),
    ).toHaveLength(2);
  });

  it('rejects invalid batches naming the batch and field', () => {
    expect(() =>
      parseBatchFile(JSON.stringify([{ batchId: 'b', warehouse: 'W', items: [] }]), 'json', now),
    ).toThrow(/batch 1: items/);
    expect(() => parseBatchFile('batchId,sku\nb,S\n', 'csv', now)).toThrow(BatchFileError);
    expect(() => parseBatchFile('batchId,warehouse,sku,delta\nb,W,S,x\n', 'csv', now)).toThrow(
      /line 2: delta/,
    );
  });

  it('guesses the format from the extension', () => {
    expect(formatOf('a.csv')).toBe('csv');
    expect(formatOf('a.jsonl')).toBe('jsonl');
    expect(formatOf('a.json')).toBe('json');
  });
});
