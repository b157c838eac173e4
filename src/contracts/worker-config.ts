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
import { CROSS_FIELD_RULES, withRules } from '../api/rules.ts';

/** A copy of a section's fields without some of them (a plain object, not a zod schema). */
function without<F extends Record<string, z.ZodType>, K extends keyof F>(
  fields: F,
  ...keys: K[]
): Omit<F, K> {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !keys.includes(key as K))) as Omit<F, K>;
}

/**
 * The fields of each section of config.json, taken from the spec's sections: plain objects of field
 * schemas, so the env overrides and the error messages list them without reading zod internals (#16).
 */
export const WORKER_SECTION_FIELDS = {
  queue: without(queueSchema.shape, 'redis'),
  upstream: without(upstreamSchema.shape, 'credentialsSecretRef'),
  retry: retrySchema.shape,
  circuitBreaker: circuitBreakerSchema.shape,
  concurrency: concurrencySchema.shape,
  monitoring: { metricsPort: monitoringSchema.shape.metricsPort, logLevel: monitoringSchema.shape.logLevel },
};

export type WorkerSection = keyof typeof WORKER_SECTION_FIELDS;
export const SECTIONS = Object.keys(WORKER_SECTION_FIELDS) as WorkerSection[];

/** The field schemas of a section of config.json, by field name. */
export function sectionFields(section: WorkerSection): Record<string, z.ZodType> {
  return WORKER_SECTION_FIELDS[section];
}

// Strict (issue 11): an unknown key or a typo in config.json stops the worker with exit 2 naming it.
// The CRD schemas stay non-strict (the API server prunes unknown fields there), so strictness is
// added here, on the worker's own object of each section. The cross-field rules are the spec's
// (src/api/rules.ts), naming the fields as config.json does.
const F = WORKER_SECTION_FIELDS;
export const workerFileConfigSchema = z.strictObject({
  queue: z.strictObject(F.queue).apply(withRules, CROSS_FIELD_RULES.queue('queue')).prefault({}),
  upstream: z.strictObject(F.upstream).apply(withRules, CROSS_FIELD_RULES.upstream('upstream')),
  retry: z.strictObject(F.retry).apply(withRules, CROSS_FIELD_RULES.retry('retry')).prefault({}),
  circuitBreaker: z.strictObject(F.circuitBreaker).prefault({}),
  concurrency: z
    .strictObject(F.concurrency)
    .apply(withRules, CROSS_FIELD_RULES.concurrency('concurrency'))
    .prefault({}),
  monitoring: z.strictObject(F.monitoring).prefault({}),
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

export const screamingSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** `upstream.primaryUrl` ← INVENTORYBOT_UPSTREAM_PRIMARY_URL, and so on for every field. */
export function envNameFor(section: string, field: string): string {
  return `INVENTORYBOT_${screamingSnake(section)}_${screamingSnake(field)}`;
}

/** Every env override, for the docs and `inventorybot worker --help`. */
export function envOverrideNames(): string[] {
  return SECTIONS.flatMap((section) =>
    Object.keys(sectionFields(section)).map((field) => envNameFor(section, field)),
  );
}
