// The worker bench's drain tail (#12): when 99 % of the items were applied, and the calls after it.
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { watchDrainProgress } from '../../bench/drain-progress.ts';
import { waitFor } from '../../support/wait-for.ts';

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ faults: { failureRate: 0 }, latency: { medianMs: 0 }, token: 't' });
});
afterAll(() => sim.close());

const apply = (key: string) =>
  fetch(`${sim.url}/v1/inventory/apply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'idempotency-key': key },
    body: JSON.stringify({ warehouse: 'W', sku: 'SKU-00001', delta: 1 }),
  });

test('the 99 % point comes with the 99th of 100 items, and only later calls count as the tail', async () => {
  await apply('before'); // applied before the watch starts: not one of the drain's items
  const progress = watchDrainProgress(sim, 100);
  for (let i = 0; i < 98; i++) await apply(`item-${i}`);
  await apply('item-0'); // a replay: answered, no new item
  expect(progress.reached()).toBe(false);
  await apply('item-98');
  // The watch notices on its own (it samples the ledger), before anyone asks for the figures.
  await waitFor(progress.reached, (reached) => reached, { timeoutMs: 2000, intervalMs: 5, what: '99 %' });
  await apply('item-98'); // a replay after the point: part of the tail
  await apply('item-99');
  const result = progress.stop();
  expect(result.secondsTo99).toBeGreaterThan(0);
  expect(result.tailCalls).toBe(2);
});

test('a drain that never reaches 99 % has no point and no tail calls', async () => {
  const progress = watchDrainProgress(sim, 1000);
  for (let i = 0; i < 10; i++) await apply(`few-${i}`);
  expect(progress.stop()).toEqual({ secondsTo99: undefined, tailCalls: 0 });
});
