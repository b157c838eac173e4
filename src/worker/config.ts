// Worker configuration: the config document (src/contracts/worker-config.ts) overlaid by environment
// variables, plus the runtime settings only the environment gives, validated with zod.
import { z } from 'zod';
import { InputError } from '../contracts/input-error.ts';
import {
  envNameFor,
  envOverrideNames,
  screamingSnake,
  sectionFields,
  SECTIONS,
  workerFileConfigSchema,
  type WorkerFileConfig,
} from '../contracts/worker-config.ts';
import { WORKER_ENV } from '../api/names.ts';
import { issueLine } from '../api/rules.ts';
import { isValidHeaderValue } from './idempotency-key.ts';

const runtimeSchema = z.object({
  redisUrl: z
    .string({ error: 'is required' })
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
  // Sent as a header value: CR, LF, NUL or non-Latin-1 characters would make every call fail.
  upstreamToken: z
    .string()
    .min(1)
    .refine(
      isValidHeaderValue,
      'must be a valid HTTP header value (no CR, LF, NUL or non-Latin-1 characters)',
    )
    .optional(),
  consumerName: z.string().min(1).max(256),
  shutdownGraceSeconds: z.coerce.number().min(0).max(3600).default(25),
  markerTtlSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  logFile: z.string().min(1).optional(),
  /** Address of the metrics and probe server: all interfaces in a pod, 127.0.0.1 for local runs. */
  metricsHost: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('0.0.0.0'),
});

export type WorkerConfig = WorkerFileConfig & z.output<typeof runtimeSchema>;

/**
 * The JSON type a field declares (integer, number, boolean, string), read through zod's public JSON
 * Schema output, the same the CRD is generated from, not by walking zod internals (#16).
 */
function declaredType(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input' }).type;
}

/**
 * Converts an env value by the field's declared type, not by what it looks like (issue 11): a stream
 * named `2024` stays a string; `maxDeliveries=abc` is an error naming the variable.
 */
export function convertEnvValue(name: string, raw: string, schema: z.ZodType): unknown {
  const type = declaredType(schema);
  if (type === 'number' || type === 'integer') {
    const value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value))
      throw new ConfigError(
        `invalid worker configuration: ${name}: expected a number, got ${JSON.stringify(raw)}`,
      );
    return value;
  }
  if (type === 'boolean') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new ConfigError(
      `invalid worker configuration: ${name}: expected true or false, got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

const SECTION_PREFIXES = SECTIONS.map((section) => `INVENTORYBOT_${screamingSnake(section)}_`);

/** INVENTORYBOT_<SECTION>_* variables that name no field: typos, which would otherwise be ignored. */
export function unknownEnvOverrides(env: Record<string, string | undefined>): string[] {
  const known = new Set(envOverrideNames());
  return Object.keys(env).filter(
    (name) => SECTION_PREFIXES.some((prefix) => name.startsWith(prefix)) && !known.has(name),
  );
}

export function applyEnvOverrides(
  file: unknown,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const base = isRecord(file) ? file : {};
  const out: Record<string, unknown> = { ...base };
  for (const section of SECTIONS) {
    const fields = sectionFields(section);
    const current = isRecord(out[section]) ? { ...(out[section] as Record<string, unknown>) } : undefined;
    let merged = current;
    for (const [field, schema] of Object.entries(fields)) {
      const name = envNameFor(section, field);
      const value = env[name];
      if (value === undefined || value === '') continue;
      merged = { ...(merged ?? {}), [field]: convertEnvValue(name, value, schema) };
    }
    if (merged !== undefined) out[section] = merged;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ConfigError extends InputError {
  override name = 'ConfigError';
}

/** `queue.maxDeliveries: Too big: expected number to be <=100`, issues joined with `; `. */
function formatZodError(error: z.ZodError): string {
  return error.issues.flatMap(describeIssue).join('; ');
}

/**
 * An unknown key names itself (with a near miss, issue 11); a missing value names where to set it: the
 * env variable (and so the `inventorybot worker` flag) (#9).
 */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const at = path.join('.');
    return issue.keys.map((key) => `${at ? `${at}.` : ''}${key}: unknown key${suggest(at, key)}`);
  }
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const section = SECTIONS.find((name) => name === path[0]);
  if (!missing || section === undefined) return [issueLine(path.join('.') || '(root)', issue.message)];
  const fields =
    path.length > 1
      ? [path[1] as string]
      : Object.entries(sectionFields(section))
          .filter(([, schema]) => !schema.safeParse(undefined).success)
          .map(([field]) => field);
  return fields.map(
    (field) => `${section}.${field}: required (set ${envNameFor(section, field)} or the config file)`,
  );
}

/** ` (did you mean maxDeliveries?)` for a near miss of a known key of the same section. */
function suggest(section: string, key: string): string {
  const known = SECTIONS.find((name) => name === section);
  const candidates =
    section === '' ? [...SECTIONS] : known === undefined ? [] : Object.keys(sectionFields(known));
  const lower = key.toLowerCase();
  const close = candidates.find(
    (c) =>
      c.toLowerCase().startsWith(lower) ||
      lower.startsWith(c.toLowerCase()) ||
      editDistance(c.toLowerCase(), lower) <= (lower.length >= 8 ? 3 : 2),
  );
  return close ? ` (did you mean ${close}?)` : '';
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] as number;
}

/**
 * Builds the worker configuration from the config file content (already parsed JSON, or undefined)
 * and the environment. Pure; throws ConfigError naming the offending field.
 */
export function buildWorkerConfig(
  fileContent: unknown,
  env: Record<string, string | undefined>,
): WorkerConfig {
  if (fileContent !== undefined && !isRecord(fileContent)) {
    const what = Array.isArray(fileContent)
      ? 'an array'
      : fileContent === null
        ? 'null'
        : `a ${typeof fileContent}`;
    throw new ConfigError(`invalid worker configuration: (root): must be a JSON object, got ${what}`);
  }
  const typos = unknownEnvOverrides(env);
  if (typos.length > 0) {
    throw new ConfigError(
      `invalid worker configuration: ${typos.map((n) => `${n}: unknown variable`).join('; ')}`,
    );
  }
  const file = workerFileConfigSchema.safeParse(applyEnvOverrides(fileContent, env));
  if (!file.success) throw new ConfigError(`invalid worker configuration: ${formatZodError(file.error)}`);
  const runtime = runtimeSchema.safeParse({
    redisUrl: env[WORKER_ENV.redisUrl],
    upstreamToken: env[WORKER_ENV.upstreamToken] || undefined,
    consumerName: env[WORKER_ENV.podName] || env.HOSTNAME || `worker-${process.pid}`,
    shutdownGraceSeconds: env.INVENTORYBOT_SHUTDOWN_GRACE_SECONDS || undefined,
    markerTtlSeconds: env.INVENTORYBOT_MARKER_TTL_SECONDS || undefined,
    logFile: env.INVENTORYBOT_LOG_FILE || undefined,
    metricsHost: env.INVENTORYBOT_METRICS_HOST || undefined,
  });
  if (!runtime.success) {
    const names: Record<string, string> = {
      redisUrl: WORKER_ENV.redisUrl,
      upstreamToken: WORKER_ENV.upstreamToken,
      consumerName: WORKER_ENV.podName,
      shutdownGraceSeconds: 'INVENTORYBOT_SHUTDOWN_GRACE_SECONDS',
      markerTtlSeconds: 'INVENTORYBOT_MARKER_TTL_SECONDS',
      logFile: 'INVENTORYBOT_LOG_FILE',
      metricsHost: 'INVENTORYBOT_METRICS_HOST',
    };
    const message = runtime.error.issues
      .map((issue) => `${names[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid worker configuration: ${message}`);
  }
  return { ...file.data, ...runtime.data };
}
