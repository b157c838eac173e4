// The shared setup of the worker suites: one real redis-server per test file, and the simulators and
// worker processes a test starts, stopped after each test (processes) and after the file (Redis).
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { SimulatorHandle } from '../../src/simulator/server.ts';
import type { RedisClient } from '../../src/contracts/redis-connection.ts';
import { connect } from './queue-fixture.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { killAll, type WorkerProcess } from './worker-process.ts';

export interface QueueHarness {
  readonly redis: RedisServer;
  readonly client: RedisClient;
  /** Simulators to close after the test. */
  readonly simulators: SimulatorHandle[];
  /** Worker processes to kill after the test. */
  readonly workers: WorkerProcess[];
}

export function useQueueHarness(): QueueHarness {
  let redis: RedisServer | undefined;
  let client: RedisClient | undefined;
  const simulators: SimulatorHandle[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connect(redis.url);
  });
  afterEach(async () => {
    await killAll(workers.splice(0));
    await Promise.all(simulators.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only there inside tests (started in beforeAll)`);
    return value;
  };
  return {
    get redis() {
      return started(redis, 'redis-server');
    },
    get client() {
      return started(client, 'the Redis client');
    },
    simulators,
    workers,
  };
}
