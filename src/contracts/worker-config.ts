// The worker config document (#16: a contract between the operator, which writes it into the ConfigMap
// key `config.json`, and the worker, which reads it): the same section and field names and defaults as
// the InventoryBot spec, the spec → document mapping, and the env names that override each field.
import { z } from 'zod';
import {
  circuitBreakerSchema,
  concurrencySchema,
  monitoringSchema,
  queueSchema,
  retrySchema,
  upstreamSchema,
  type InventoryBotSpec,
} from '../api/inventory-bot.ts';

// Strict (issue 11): an unknown key or a typo in config.json stops the worker with exit 2 naming it.
// The CRD schemas stay non-strict (the API server prunes unknown fields there), so strictness is
// added here, on the worker's own copy of each section.
export const workerFileConfigSchema = z.strictObject({
  queue: queueSchema
    .omit({ redis: true })
    .strict()
    .refine((q) => q.stream !== q.deadLetterStream, {
      message: 'must differ from queue.stream',
      path: ['deadLetterStream'],
    })
    .prefault({}),
  upstream: upstreamSchema
    .omit({ credentialsSecretRef: true })
    .strict()
    .refine((u) => u.secondaryUrl === undefined || u.secondaryUrl !== u.primaryUrl, {
      message: 'must differ from upstream.primaryUrl',
      path: ['secondaryUrl'],
    }),
  retry: retrySchema
    .strict()
    .refine((r) => r.baseDelayMs <= r.maxDelayMs, {
      message: 'must be <= retry.maxDelayMs',
      path: ['baseDelayMs'],
    })
    .prefault({}),
  circuitBreaker: circuitBreakerSchema.strict().prefault({}),
  concurrency: concurrencySchema
    .strict()
    .refine((c) => c.upstreamCallsMin <= c.upstreamCallsMax, {
      message: 'must be <= concurrency.upstreamCallsMax',
      path: ['upstreamCallsMin'],
    })
    .prefault({}),
  monitoring: monitoringSchema.pick({ metricsPort: true, logLevel: true }).strict().prefault({}),
});

export type WorkerFileConfig = z.output<typeof workerFileConfigSchema>;
export type WorkerFileConfigInput = z.input<typeof workerFileConfigSchema>;

/** What the operator writes into the ConfigMap key `config.json`. Pure. */
export function workerConfigFromSpec(spec: InventoryBotSpec): WorkerFileConfig {
  const { stream, consumerGroup, deadLetterStream, maxDeliveries, claimIdleSeconds, readCount, shards } =
    spec.queue;
  const { primaryUrl, secondaryUrl, timeoutMs, rateLimitPerSecond } = spec.upstream;
  return {
    queue: { stream, consumerGroup, deadLetterStream, maxDeliveries, claimIdleSeconds, readCount, shards },
    upstream: {
      primaryUrl,
      ...(secondaryUrl === undefined ? {} : { secondaryUrl }),
      timeoutMs,
      rateLimitPerSecond,
    },
    retry: { ...spec.retry },
    circuitBreaker: { ...spec.circuitBreaker },
    concurrency: { ...spec.concurrency },
    monitoring: { metricsPort: spec.monitoring.metricsPort, logLevel: spec.monitoring.logLevel },
  };
}

export const SECTIONS = [
  'queue',
  'upstream',
  'retry',
  'circuitBreaker',
  'concurrency',
  'monitoring',
] as const;

export const screamingSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** `upstream.primaryUrl` ← INVENTORYBOT_UPSTREAM_PRIMARY_URL, and so on for every field. */
export function envNameFor(section: string, field: string): string {
  return `INVENTORYBOT_${screamingSnake(section)}_${screamingSnake(field)}`;
}

/** Every env override, for the docs and `inventorybot worker --help`. */
export function envOverrideNames(): string[] {
  const shape = workerFileConfigSchema.shape;
  return SECTIONS.flatMap((section) => {
    const inner = unwrapObject(shape[section]);
    return Object.keys(inner).map((field) => envNameFor(section, field));
  });
}

export function unwrapObject(schema: z.ZodType): Record<string, z.ZodType> {
  // prefault/refine wrappers around a z.object: find the object's shape.
  let current: unknown = schema;
  for (let i = 0; i < 5 && current !== undefined; i++) {
    const candidate = current as {
      shape?: Record<string, z.ZodType>;
      def?: { innerType?: unknown; in?: unknown };
    };
    if (candidate.shape) return candidate.shape;
    current = candidate.def?.innerType ?? candidate.def?.in;
  }
  throw new Error('config section is not an object schema');
}
