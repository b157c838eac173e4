// Items of one SKU in a batch are applied one after the other, in batch order (#13); SKUs in parallel.
import { runInSkuOrder } from '../../../src/worker/sku-order.ts';
import type { ItemResult } from '../../../src/worker/item-attempts.ts';

const ok: ItemResult = { kind: 'applied', attempts: 1, upstream: 'primary' };

test('one SKU at a time in item order, different SKUs at once', async () => {
  const items = [{ sku: 'A' }, { sku: 'B' }, { sku: 'A' }, { sku: 'A' }, { sku: 'B' }];
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const perSku = new Map<string, number>();
  const results = await runInSkuOrder(items, 4, async (item, index) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    perSku.set(item.sku, (perSku.get(item.sku) ?? 0) + 1);
    expect(perSku.get(item.sku)).toBe(1); // never two of one SKU at once
    events.push(`${item.sku}${index}`);
    await Promise.resolve();
    await Promise.resolve();
    perSku.set(item.sku, (perSku.get(item.sku) ?? 0) - 1);
    inFlight--;
    return ok;
  });
  expect(results).toEqual(items.map(() => ok));
  expect(events.filter((e) => e.startsWith('A'))).toEqual(['A0', 'A2', 'A3']);
  expect(events.filter((e) => e.startsWith('B'))).toEqual(['B1', 'B4']);
  expect(maxInFlight).toBe(2);
});

test('after a transient failure the later items of that SKU are not attempted, other SKUs go on', async () => {
  const items = [{ sku: 'A' }, { sku: 'A' }, { sku: 'B' }];
  const attempted: number[] = [];
  const results = await runInSkuOrder(items, 4, (_item, index) => {
    attempted.push(index);
    return Promise.resolve<ItemResult>(
      index === 0
        ? { kind: 'transient', attempts: 5, code: 'UPSTREAM_5XX', message: '503', upstream: 'primary' }
        : ok,
    );
  });
  expect(attempted.sort()).toEqual([0, 2]);
  expect(results[1]).toMatchObject({ kind: 'transient', attempts: 0, code: 'UPSTREAM_5XX' });
  expect(results[2]).toEqual(ok);
});

test('an interrupted item stops its SKU as interrupted (the batch is given back, not counted)', async () => {
  const results = await runInSkuOrder([{ sku: 'A' }, { sku: 'A' }], 2, () =>
    Promise.resolve<ItemResult>({ kind: 'interrupted', attempts: 0 }),
  );
  expect(results).toEqual([
    { kind: 'interrupted', attempts: 0 },
    { kind: 'interrupted', attempts: 0 },
  ]);
});
