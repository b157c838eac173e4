import { parseSpec } from '../../../src/api/inventory-bot.ts';
import { applyEnvOverrides, buildWorkerConfig, ConfigError } from '../../../src/worker/config.ts';
import {
  envNameFor,
  envOverrideNames,
  workerConfigFromSpec,
  workerFileConfigSchema,
} from '../../../src/contracts/worker-config.ts';

const env = { REDIS_URL: 'redis://127.0.0.1:6379', POD_NAME: 'w-1' };
const file = { upstream: { primaryUrl: 'http://erp:8080' } };

describe('buildWorkerConfig', () => {
  it('fills the spec defaults and the runtime settings', () => {
    const config = buildWorkerConfig(file, env);
    expect(config.queue).toEqual({
      stream: 'inventory:batches',
      consumerGroup: 'inventorybot',
      deadLetterStream: 'inventory:dead-letter',
      maxDeliveries: 5,
      claimIdleSeconds: 60,
      readCount: 10,
      shards: 0,
    });
    expect(config.retry).toEqual({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, jitter: 'full' });
    expect(config.concurrency).toEqual({
      batches: 4,
      itemsPerBatch: 8,
      upstreamCallsMin: 2,
      upstreamCallsMax: 64,
    });
    expect(config.monitoring).toEqual({ metricsPort: 9100, logLevel: 'info' });
    expect(config.upstream.timeoutMs).toBe(2000);
    expect(config.redisUrl).toBe(env.REDIS_URL);
    expect(config.consumerName).toBe('w-1');
    expect(config.shutdownGraceSeconds).toBe(25);
  });

  it('names the offending field of the file', () => {
    expect(() => buildWorkerConfig({ ...file, queue: { maxDeliveries: 0 } }, env)).toThrow(
      /queue\.maxDeliveries/,
    );
    expect(() => buildWorkerConfig({}, env)).toThrow(/upstream/);
    expect(() => buildWorkerConfig({ upstream: { primaryUrl: 'ftp://x' } }, env)).toThrow(
      /upstream\.primaryUrl/,
    );
    expect(() => buildWorkerConfig({ ...file, retry: { baseDelayMs: 900, maxDelayMs: 10 } }, env)).toThrow(
      /retry\.baseDelayMs/,
    );
    expect(() => buildWorkerConfig({ ...file, queue: { stream: 'a', deadLetterStream: 'a' } }, env)).toThrow(
      /queue\.deadLetterStream/,
    );
    expect(() =>
      buildWorkerConfig({ ...file, concurrency: { upstreamCallsMin: 9, upstreamCallsMax: 8 } }, env),
    ).toThrow(/concurrency\.upstreamCallsMin: must be <= concurrency\.upstreamCallsMax/);
  });

  it('names the offending environment variable', () => {
    expect(() => buildWorkerConfig(file, { POD_NAME: 'x' })).toThrow(ConfigError);
    expect(() => buildWorkerConfig(file, { POD_NAME: 'x' })).toThrow(/REDIS_URL/);
    expect(() => buildWorkerConfig(file, { ...env, INVENTORYBOT_SHUTDOWN_GRACE_SECONDS: 'soon' })).toThrow(
      /INVENTORYBOT_SHUTDOWN_GRACE_SECONDS/,
    );
    expect(() => buildWorkerConfig(file, { ...env, INVENTORYBOT_METRICS_HOST: 'everywhere' })).toThrow(
      /INVENTORYBOT_METRICS_HOST/,
    );
  });

  it('serves metrics on all interfaces unless told otherwise', () => {
    expect(buildWorkerConfig(file, env).metricsHost).toBe('0.0.0.0');
    expect(buildWorkerConfig(file, { ...env, INVENTORYBOT_METRICS_HOST: '127.0.0.1' }).metricsHost).toBe(
      '127.0.0.1',
    );
  });

  it('lets env variables override file values, coercing numbers', () => {
    const config = buildWorkerConfig(file, {
      ...env,
      INVENTORYBOT_QUEUE_CLAIM_IDLE_SECONDS: '2',
      INVENTORYBOT_UPSTREAM_PRIMARY_URL: 'http://other:1',
      INVENTORYBOT_CIRCUIT_BREAKER_CONSECUTIVE_FAILURES: '9',
      INVENTORYBOT_MONITORING_LOG_LEVEL: 'debug',
    });
    expect(config.queue.claimIdleSeconds).toBe(2);
    expect(config.upstream.primaryUrl).toBe('http://other:1');
    expect(config.circuitBreaker.consecutiveFailures).toBe(9);
    expect(config.monitoring.logLevel).toBe('debug');
  });

  it('works from the environment alone', () => {
    const config = buildWorkerConfig(undefined, {
      ...env,
      INVENTORYBOT_UPSTREAM_PRIMARY_URL: 'http://sim:8080',
    });
    expect(config.upstream.primaryUrl).toBe('http://sim:8080');
  });
});

describe('env names', () => {
  it('derives SCREAMING_SNAKE names from section and field', () => {
    expect(envNameFor('circuitBreaker', 'halfOpenAfterMs')).toBe(
      'INVENTORYBOT_CIRCUIT_BREAKER_HALF_OPEN_AFTER_MS',
    );
    const names = envOverrideNames();
    expect(names).toContain('INVENTORYBOT_QUEUE_MAX_DELIVERIES');
    expect(names).toContain('INVENTORYBOT_UPSTREAM_SECONDARY_URL');
    expect(names).not.toContain('INVENTORYBOT_QUEUE_REDIS');
    expect(names).toContain('INVENTORYBOT_CONCURRENCY_UPSTREAM_CALLS_MAX');
    expect(names).toHaveLength(23);
  });

  it('leaves sections alone when no override is set', () => {
    expect(applyEnvOverrides({ retry: { maxAttempts: 3 } }, {})).toEqual({ retry: { maxAttempts: 3 } });
  });
});

describe('workerConfigFromSpec', () => {
  it('produces a config.json the worker accepts with the same values', () => {
    const spec = parseSpec({
      queue: { redis: { url: 'redis://r:6379' }, maxDeliveries: 7 },
      upstream: { primaryUrl: 'http://a', secondaryUrl: 'http://b', credentialsSecretRef: { name: 's' } },
      retry: { maxAttempts: 3 },
      monitoring: { metricsPort: 9200, serviceMonitor: false },
    });
    const out = workerConfigFromSpec(spec);
    expect(out).not.toHaveProperty('queue.redis');
    expect(out).not.toHaveProperty('upstream.credentialsSecretRef');
    expect(out.monitoring).toEqual({ metricsPort: 9200, logLevel: 'info' });
    expect(workerFileConfigSchema.parse(JSON.parse(JSON.stringify(out)))).toEqual(out);
    expect(buildWorkerConfig(out, env).queue.maxDeliveries).toBe(7);
  });

  it('omits secondaryUrl when the spec has none', () => {
    const spec = parseSpec({ queue: { redis: { url: 'redis://r' } }, upstream: { primaryUrl: 'http://a' } });
    expect(Object.keys(workerConfigFromSpec(spec).upstream)).not.toContain('secondaryUrl');
  });
});

describe('strict config (issue 11)', () => {
  it.each([
    [{ ...file, typo: 1 }, /typo: unknown key/],
    [
      { ...file, queue: { maxDelivery: 3 } },
      /queue\.maxDelivery: unknown key \(did you mean maxDeliveries\?\)/,
    ],
    [{ upstream: { primaryUrl: 'http://a', timeout: 5 } }, /upstream\.timeout: unknown key/],
    [
      { ...file, retry: { maxattempts: 3 } },
      /retry\.maxattempts: unknown key \(did you mean maxAttempts\?\)/,
    ],
    [{ ...file, monitoring: { serviceMonitor: true } }, /monitoring\.serviceMonitor: unknown key/],
    [{ ...file, Queue: {} }, /Queue: unknown key \(did you mean queue\?\)/],
  ])('%j fails naming the key', (content, message) => {
    expect(() => buildWorkerConfig(content, env)).toThrow(ConfigError);
    expect(() => buildWorkerConfig(content, env)).toThrow(message);
  });

  it.each([[[file]], [[]], ['text'], [42], [null]])(
    'a config that is not an object (%j) fails',
    (content) => {
      expect(() => buildWorkerConfig(content, env)).toThrow(/must be a JSON object/);
    },
  );

  it('converts env values by the declared type, not by their look', () => {
    const config = buildWorkerConfig(file, {
      ...env,
      INVENTORYBOT_QUEUE_STREAM: '2024',
      INVENTORYBOT_QUEUE_CONSUMER_GROUP: 'true',
      INVENTORYBOT_QUEUE_DEAD_LETTER_STREAM: '1e3',
      INVENTORYBOT_QUEUE_MAX_DELIVERIES: '7',
    });
    expect(config.queue.stream).toBe('2024');
    expect(config.queue.consumerGroup).toBe('true');
    expect(config.queue.deadLetterStream).toBe('1e3');
    expect(config.queue.maxDeliveries).toBe(7);
  });

  it('a number field given a word names the variable', () => {
    expect(() => buildWorkerConfig(file, { ...env, INVENTORYBOT_QUEUE_MAX_DELIVERIES: 'five' })).toThrow(
      /INVENTORYBOT_QUEUE_MAX_DELIVERIES: expected a number/,
    );
  });

  it('an INVENTORYBOT_<SECTION>_ variable that names no field is a typo', () => {
    expect(() => buildWorkerConfig(file, { ...env, INVENTORYBOT_RETRY_MAX_ATEMPTS: '3' })).toThrow(
      /INVENTORYBOT_RETRY_MAX_ATEMPTS: unknown variable/,
    );
    expect(buildWorkerConfig(file, { ...env, INVENTORYBOT_CACHE: '/x' }).queue.stream).toBe(
      'inventory:batches',
    );
  });

  it('an upstream token that is not a valid header value fails at start', () => {
    expect(() => buildWorkerConfig(file, { ...env, UPSTREAM_TOKEN: 'abc\r\nX-Evil: 1' })).toThrow(
      /UPSTREAM_TOKEN/,
    );
  });
});
