// Simulator settings from environment variables (used by main.ts, the CLI and the demo).
import type { SimulatorOptions } from './server.ts';

const num = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * SIMULATOR_PORT (default 8080), SIMULATOR_HOST (127.0.0.1), SIMULATOR_FAILURE_RATE (0.2),
 * SIMULATOR_LOST_RESPONSE_SHARE (0.25), SIMULATOR_LATENCY_MEDIAN_MS (4), SIMULATOR_LATENCY_P95_MS (15),
 * SIMULATOR_LATENCY_MAX_MS (1000), SIMULATOR_DEDUPE (true), SIMULATOR_TOKEN, SIMULATOR_SEED.
 */
export function simulatorOptionsFromEnv(env: Record<string, string | undefined>): SimulatorOptions {
  return defined({
    port: num(env.SIMULATOR_PORT) ?? 8080,
    host: env.SIMULATOR_HOST || undefined,
    faults: defined({
      failureRate: num(env.SIMULATOR_FAILURE_RATE),
      lostResponseShare: num(env.SIMULATOR_LOST_RESPONSE_SHARE),
    }),
    latency: defined({
      medianMs: num(env.SIMULATOR_LATENCY_MEDIAN_MS),
      p95Ms: num(env.SIMULATOR_LATENCY_P95_MS),
      maxMs: num(env.SIMULATOR_LATENCY_MAX_MS),
    }),
    dedupe: env.SIMULATOR_DEDUPE === undefined ? undefined : env.SIMULATOR_DEDUPE !== 'false',
    token: env.SIMULATOR_TOKEN || undefined,
    seed: num(env.SIMULATOR_SEED),
  });
}
