// Admission rules written once (#14, #18): each rule holds its CEL (emitted into the CRD as
// x-kubernetes-validations, enforced by the API server) and the same rule in TypeScript (a zod refine,
// used by the operator's spec parse and the worker's config parse), with one message. Rules a regular
// expression can express are zod `.regex()` instead (emitted as the OpenAPI `pattern`: one definition).
// test/unit/api/rules.test.ts runs every TypeScript check over the same samples the API server test
// (test/integration/cluster/api/admission-rules.test.ts) sends, so both halves are held to agree.
import { z } from 'zod';

export interface Rule<T> {
  /** CEL, with `self` the value of the field the rule is attached to. */
  cel: string;
  /** The same rule in TypeScript. */
  check: (value: T) => boolean;
  /** Names the field and the fix. */
  message: string;
  /** Relative to the field the rule is attached to (e.g. `.requests.cpu`): where the error points. */
  fieldPath?: string;
}

/** The schema with the rules enforced by zod and emitted as CEL (all of a schema's rules in one call). */
export function withRules<S extends z.ZodType>(schema: S, rules: ReadonlyArray<Rule<z.output<S>>>): S {
  // Rules already on the schema (a shared field schema with rules of its own) are kept.
  const before = (schema.meta()?.['x-kubernetes-validations'] as unknown[] | undefined) ?? [];
  let out: S = schema;
  for (const rule of rules) {
    out = out.refine(rule.check, {
      message: rule.message,
      path: rule.fieldPath ? rule.fieldPath.slice(1).split('.') : [],
    }) as S;
  }
  return out.meta({
    'x-kubernetes-validations': [
      ...before,
      ...rules.map(({ cel, message, fieldPath }) => ({
        rule: cel,
        message,
        ...(fieldPath ? { fieldPath } : {}),
      })),
    ],
  });
}

/**
 * `at: message`, naming the field once. A rule's message names its field (`spec.retry.baseDelayMs must be
 * <= …`) because the API server prints it on its own; where a parse error already starts with the path,
 * the message drops the repeat (#16).
 */
export function issueLine(at: string, message: string): string {
  return `${at}: ${message.startsWith(`${at} `) ? message.slice(at.length + 1) : message}`;
}

// ---- Cross-field rules (#16): each written once, for the CRD (CEL) and for every zod parse of the same
// section: the operator's spec, the worker's config.json. `at` is how the document names the section in
// messages: `spec.queue` in the CRD, `queue` in config.json.

/** `field <= bound`, two numbers of one section. */
export const atMost = <K extends string>(at: string, field: K, bound: K): Rule<Record<K, number>> => ({
  cel: `self.${field} <= self.${bound}`,
  check: (value) => value[field] <= value[bound],
  message: `${at}.${field} must be <= ${at}.${bound}`,
  fieldPath: `.${field}`,
});

/** `field`, when set, differs from `other` (two streams, two URLs). */
export const differsFrom = <K extends string>(
  at: string,
  field: K,
  other: K,
): Rule<Partial<Record<K, string>>> => ({
  cel: `!has(self.${field}) || self.${field} != self.${other}`,
  check: (value) => value[field] === undefined || value[field] !== value[other],
  message: `${at}.${field} must differ from ${at}.${other}`,
  fieldPath: `.${field}`,
});

/** Exactly one of two fields is set. */
export const exactlyOne = <K extends string>(at: string, a: K, b: K): Rule<Partial<Record<K, unknown>>> => ({
  cel: `has(self.${a}) != has(self.${b})`,
  check: (value) => (value[a] === undefined) !== (value[b] === undefined),
  message: `exactly one of ${at}.${a} or ${at}.${b} must be set`,
});

/** The cross-field rules of each spec section that has any, by section (`at`: see above). */
export const CROSS_FIELD_RULES = {
  redis: (at: string) => [exactlyOne(at, 'url', 'secretRef')],
  queue: (at: string) => [differsFrom(at, 'deadLetterStream', 'stream')],
  upstream: (at: string) => [differsFrom(at, 'secondaryUrl', 'primaryUrl')],
  retry: (at: string) => [atMost(at, 'baseDelayMs', 'maxDelayMs')],
  concurrency: (at: string) => [atMost(at, 'upstreamCallsMin', 'upstreamCallsMax')],
  scaling: (at: string) => [
    {
      cel: 'self.targetCPUUtilizationPercentage > 0 || self.queueLagPerReplica > 0',
      check: (value: { targetCPUUtilizationPercentage: number; queueLagPerReplica: number }) =>
        value.targetCPUUtilizationPercentage > 0 || value.queueLagPerReplica > 0,
      message: `${at} needs a CPU target or a queue lag target (both are 0)`,
      fieldPath: '.targetCPUUtilizationPercentage',
    },
    atMost(at, 'minReplicas', 'maxReplicas'),
  ],
  slo: (at: string) => [atMost(at, 'batchP95Seconds', 'batchP99Seconds')],
};

// ---- Kubernetes quantities (k8s.io/apimachinery resource.Quantity grammar) ----

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity (`.5`, `1e9`, `1Pi`, `250m`), or undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[3] ?? '';
  if (/^[eE]/.test(suffix)) return Number(text);
  return Number(text.slice(0, text.length - suffix.length)) * (SUFFIX[suffix] ?? NaN);
}

export const isQuantity: Rule<string> = {
  cel: "isQuantity(self) && !quantity(self).isLessThan(quantity('0'))",
  check: (v) => (quantityValue(v) ?? -1) >= 0,
  message: 'must be a non-negative Kubernetes quantity, e.g. 250m, 0.5, 1e9, 256Mi or 1Pi',
};

export const positiveQuantity = (field: string): Rule<string> => ({
  cel: "!isQuantity(self) || quantity(self).isGreaterThan(quantity('0'))",
  check: (v) => (quantityValue(v) ?? 1) > 0,
  message: `${field} must be greater than 0`,
});

/** requests.X <= limits.X on a resources object (a limit that is not set is no bound). */
export const requestWithinLimit = (
  resource: 'cpu' | 'memory',
): Rule<{
  requests: Record<string, string | undefined>;
  limits: Record<string, string | undefined>;
}> => ({
  cel:
    `!has(self.limits.${resource}) || !isQuantity(self.requests.${resource}) || !isQuantity(self.limits.${resource}) || ` +
    `quantity(self.requests.${resource}).compareTo(quantity(self.limits.${resource})) <= 0`,
  check: ({ requests, limits }) => {
    const [request, limit] = [requests[resource], limits[resource]];
    if (request === undefined || limit === undefined) return true;
    const [r, l] = [quantityValue(request), quantityValue(limit)];
    return r === undefined || l === undefined || r <= l;
  },
  message: `spec.resources.requests.${resource} must be <= spec.resources.limits.${resource}`,
  fieldPath: `.requests.${resource}`,
});

// ---- URLs (CEL URL library; Go's url.Parse lower-cases the scheme, so HTTP:// is http) ----

const AUTHORITY = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/;
const USERINFO = '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@';

function urlPort(value: string): string {
  const authority = AUTHORITY.exec(value)?.[1] ?? '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(host)?.[1];
  return port ?? '';
}

export const httpUrlRules = (field: string, credentialsField: string): Rule<string>[] => [
  {
    cel: "isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHostname() != ''",
    check: (v) => /^https?:\/\/[^\s/?#@]*@?[^\s/?#@:]+/i.test(v) && !/\s/.test(v),
    message: `${field} must be an absolute http or https URL with a host`,
  },
  {
    // Go's url.Parse admits digits only in a port, so int() is safe once isURL holds.
    cel: "!isURL(self) || url(self).getPort() == '' || (url(self).getPort().size() <= 5 && int(url(self).getPort()) >= 1 && int(url(self).getPort()) <= 65535)",
    check: (v) => {
      const port = urlPort(v);
      return port === '' || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
    },
    message: `${field} has a port outside 1-65535`,
  },
  {
    cel: `!self.matches('${USERINFO}')`,
    check: (v) => !new RegExp(USERINFO).test(v),
    message: `${field} must not carry credentials (user:password@): put them in a Secret and reference it with ${credentialsField}`,
  },
];

export const redisUrlRules: Rule<string>[] = [
  {
    cel: `!self.matches('${USERINFO.replace('@', ':[^/?#]*@')}')`,
    check: (v) => !new RegExp(USERINFO.replace('@', ':[^/?#]*@')).test(v),
    message:
      'spec.queue.redis.url must not carry a password (it would sit in a ConfigMap in plain text): put the URL in a Secret and reference it with spec.queue.redis.secretRef',
  },
];

// ---- Names ----

/** DNS-1123 subdomain: Secret names, image pull Secret names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A key of a Secret's data. */
export const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** An image tag (OCI distribution spec); a digest goes in spec.image.digest. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** An image digest, e.g. sha256:<64 hex>. */
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/** The bot's name becomes a Service name and a label value: a DNS-1035 label (at most 63). */
export const BOT_NAME_MAX = 63;
export const botNameRule: Rule<{ metadata: { name: string } }> = {
  cel: `self.metadata.name.size() <= ${BOT_NAME_MAX} && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')`,
  check: ({ metadata: { name } }) => name.length <= BOT_NAME_MAX && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name),
  message: `metadata.name must be at most ${BOT_NAME_MAX} characters of lower-case letters, digits and '-', starting with a letter and not ending with '-' (a DNS-1035 label: it names the bot's Service and is its instance label value)`,
};
