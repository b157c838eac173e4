// Redis restarted mid-run (AOF on): the workers reconnect; nothing lost, nothing applied twice.
import { jest } from '@jest/globals';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server.ts';
import { sumOf } from '../../../src/cli/prom-text.ts';
import { METRICS } from '../../../src/worker/metric-names.ts';
import type { RedisClient } from '../../../src/worker/redis-connection.ts';
import { startRedisServer, type RedisServer } from '../../support/redis-server.ts';
import { killAll, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.ts';
import { waitFor } from '../../support/wait-for.ts';
import {
  connect,
  enqueueSynthetic,
  exactlyOnceViolations,
  testConfig,
  uniqueNames,
  waitUntilDone,
} from '../../support/queue-fixture.ts';

jest.setTimeout(90_000);

let redis: RedisServer;
let client: RedisClient;
let sim: SimulatorHandle;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  client = await connect(redis.url);
  sim = await startSimulator({ faults: { failureRate: 0.1 }, latency: { medianMs: 15, p95Ms: 40 } });
});

afterAll(async () => {
  await killAll(workers.splice(0));
  await sim?.close();
  await client?.close();
  await redis?.stop();
});

test('Redis restart mid-run: workers reconnect, every item applied exactly once, nothing pending', async () => {
  const names = uniqueNames('restart');
  const { keys } = await enqueueSynthetic(client, names.stream, {
    batches: 60,
    warehouses: 3,
    minItems: 3,
    maxItems: 10,
  });
  const config = testConfig(
    names,
    { primaryUrl: sim.url },
    { concurrency: { batches: 3, itemsPerBatch: 3 } },
  );
  workers.push(
    ...(await Promise.all([
      startWorkerProcess({ name: 'restart-1', redisUrl: redis.url, config }),
      startWorkerProcess({ name: 'restart-2', redisUrl: redis.url, config }),
    ])),
  );
  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n >= keys.length / 4,
    {
      timeoutMs: 20_000,
      what: 'a quarter of the items applied',
    },
  );

  await redis.restart();
  const appliedAtRestart = sim.ledger.summary().applied;
  expect(appliedAtRestart).toBeLessThan(keys.length);

  await waitUntilDone(client, names, [sim.ledger], keys, 60_000);

  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(sim.ledger.summary().duplicates).toBe(0);
  for (const worker of workers) {
    expect(worker.child.exitCode).toBeNull();
    expect(worker.logs.some((l) => l.event === 'redis_reconnected')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/readyz`)).status).toBe(200);
  }
  const samples = await Promise.all(workers.map((w) => w.metrics()));
  const deadLetters = samples.reduce((sum, m) => sum + sumOf(m, METRICS.deadLettersTotal), 0);
  expect(deadLetters).toBe(0);
  expect(await client.xLen(names.deadLetterStream)).toBe(0);
});
