import { Ledger } from '../../../src/simulator/ledger.ts';

const op = { warehouse: 'W', sku: 'SKU-00001', delta: 5 };

describe('Ledger', () => {
  it('applies a key once and replays it afterwards without a second effect', () => {
    const ledger = new Ledger();
    expect(ledger.apply('k', op)).toEqual({ status: 'applied', stock: 5 });
    expect(ledger.apply('k', op)).toEqual({ status: 'replayed', stock: 5 });
    expect(ledger.apply('k2', { ...op, target: 2, delta: undefined })).toEqual({
      status: 'applied',
      stock: 2,
    });
    expect(ledger.summary()).toEqual({
      requests: 3,
      applied: 2,
      effects: 2,
      duplicates: 0,
      replays: 1,
      conflicts: 0,
    });
  });

  it('refuses a key reused for a different operation', () => {
    const ledger = new Ledger();
    ledger.apply('k', op);
    expect(ledger.apply('k', { ...op, delta: 6 }).status).toBe('conflict');
    expect(ledger.stock('W', 'SKU-00001')).toBe(5);
  });

  it('without dedupe, reports repeated keys as duplicate effects', () => {
    const ledger = new Ledger({ dedupe: false });
    ledger.apply('k', op);
    ledger.apply('k', op);
    expect(ledger.stock('W', 'SKU-00001')).toBe(10);
    expect(ledger.summary()).toMatchObject({ applied: 1, effects: 2, duplicates: 1 });
    expect(ledger.applications().get('k')).toBe(2);
  });
});
