// The simulator over real HTTP (in-process, loopback).
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';

let sim: SimulatorHandle;
beforeAll(async () => {
  sim = await startSimulator({ faults: { failureRate: 0 }, latency: { medianMs: 0 }, token: 't' });
});
afterAll(() => sim.close());

const apply = (body: unknown, key?: string, token = 't') =>
  fetch(`${sim.url}/v1/inventory/apply`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });

test('applies, replays, refuses unknown SKUs, bad bodies, missing keys and wrong tokens', async () => {
  const op = { warehouse: 'W', sku: 'SKU-00001', delta: 3 };
  expect(await (await apply(op, 'k1')).json()).toEqual({ status: 'applied', stock: 3 });
  expect(await (await apply(op, 'k1')).json()).toEqual({ status: 'replayed', stock: 3 });
  const unknown = await apply({ ...op, sku: 'NOPE' }, 'k2');
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ error_code: 'UNKNOWN_SKU' });
  expect((await apply({ warehouse: 'W', sku: 'SKU-00001' }, 'k3')).status).toBe(422);
  expect((await apply(op)).status).toBe(400);
  expect((await apply(op, 'k4', 'wrong')).status).toBe(401);
  expect(await (await fetch(`${sim.url}/admin/ledger`)).json()).toMatchObject({
    applied: 1,
    replays: 1,
    duplicates: 0,
  });
});

test('outage windows switch at runtime', async () => {
  const op = { warehouse: 'W', sku: 'SKU-00002', delta: 1 };
  await fetch(`${sim.url}/admin/outage`, { method: 'POST', body: JSON.stringify({ enabled: true }) });
  expect((await apply(op, 'o1')).status).toBe(503);
  sim.setOutage(false);
  expect((await apply(op, 'o1')).status).toBe(200);
  const metrics = await (await fetch(`${sim.url}/metrics`)).text();
  expect(metrics).toContain('inventorybot_simulator_requests_total{status="503"} 1');
});

test('the per-SKU effect order and stock are served for tests outside the process (#13)', async () => {
  const sku = 'SKU-00003';
  await apply({ warehouse: 'H', sku, delta: 5 }, 'h1');
  await apply({ warehouse: 'H', sku, target: 2 }, 'h2');
  await apply({ warehouse: 'H', sku, target: 2 }, 'h2'); // a replay is no new effect
  await apply({ warehouse: 'H', sku, delta: -1 }, 'h3');
  const histories = (await (await fetch(`${sim.url}/admin/ledger/history`)).json()) as {
    warehouse: string;
    sku: string;
  }[];
  expect(histories.find((h) => h.warehouse === 'H' && h.sku === sku)).toEqual({
    warehouse: 'H',
    sku,
    keys: ['h1', 'h2', 'h3'],
    stock: 1,
  });
});
