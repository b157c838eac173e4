// One sample per manifest class of #14/#18's admission list: what the API server must reject (naming
// the field) or accept. Used by the unit test (zod, as the operator and worker parse) and by the API
// server test (CEL and OpenAPI), so both halves of each rule are held to the same answers.
import type { InventoryBotSpecInput } from '../../src/api/inventory-bot.ts';
import { sampleSpec } from './sample-bot.ts';

export interface AdmissionSample {
  what: string;
  name?: string;
  spec: InventoryBotSpecInput;
  /** The field the rejection names; absent: accepted. */
  rejectedAt?: string;
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const upstream = (primaryUrl: string) => ({ primaryUrl });
const resources = (r: object) => ({ resources: r }) as Partial<InventoryBotSpecInput>;
const PRIMARY = 'http://erp.example/api';
const secondary = (secondaryUrl: string) => ({ upstream: { primaryUrl: PRIMARY, secondaryUrl } });
const rejected = (
  what: string,
  overrides: Partial<InventoryBotSpecInput>,
  rejectedAt: string,
): AdmissionSample => ({ what, spec: sampleSpec(overrides), rejectedAt });

export const ADMISSION_SAMPLES: AdmissionSample[] = [
  // rejected
  {
    what: 'name of 64 characters',
    name: `b${'x'.repeat(63)}`,
    spec: sampleSpec(),
    rejectedAt: 'metadata.name',
  },
  { what: 'name with dots', name: 'shop.eu', spec: sampleSpec(), rejectedAt: 'metadata.name' },
  {
    what: 'tag carrying a digest',
    spec: sampleSpec({ image: { tag: `1.0@${DIGEST}` } }),
    rejectedAt: 'spec.image.tag',
  },
  {
    what: 'tag over 128 characters',
    spec: sampleSpec({ image: { tag: 'v'.repeat(129) } }),
    rejectedAt: 'spec.image.tag',
  },
  { what: 'tag starting with -', spec: sampleSpec({ image: { tag: '-1.0' } }), rejectedAt: 'spec.image.tag' },
  {
    what: 'malformed digest',
    spec: sampleSpec({ image: { digest: 'sha256:xyz' } }),
    rejectedAt: 'spec.image.digest',
  },
  {
    what: 'memory request over limit',
    spec: sampleSpec(resources({ requests: { memory: '1Gi' }, limits: { memory: '512Mi' } })),
    rejectedAt: 'spec.resources.requests.memory',
  },
  {
    what: 'CPU request over limit',
    spec: sampleSpec(resources({ requests: { cpu: '2' }, limits: { cpu: '500m' } })),
    rejectedAt: 'spec.resources.requests.cpu',
  },
  {
    what: 'memory limit 0',
    spec: sampleSpec(resources({ requests: { memory: '0' }, limits: { memory: '0' } })),
    rejectedAt: 'spec.resources.limits.memory',
  },
  {
    what: 'not a quantity',
    spec: sampleSpec(resources({ requests: { cpu: '1 core' } })),
    rejectedAt: 'spec.resources.requests.cpu',
  },
  {
    what: 'invalid Secret name',
    spec: sampleSpec({ queue: { redis: { secretRef: { name: 'Redis_Secret' } } } }),
    rejectedAt: 'spec.queue.redis.secretRef.name',
  },
  {
    what: 'invalid Secret key',
    spec: sampleSpec({ queue: { redis: { secretRef: { name: 'redis', key: 'url/1' } } } }),
    rejectedAt: 'spec.queue.redis.secretRef.key',
  },
  {
    what: 'invalid pull Secret name',
    spec: sampleSpec({ image: { pullSecrets: ['Registry Key'] } }),
    rejectedAt: 'spec.image.pullSecrets[0]',
  },
  {
    what: 'upstream URL with credentials',
    spec: sampleSpec({ upstream: upstream('http://admin:hunter2@erp.example/api') }),
    rejectedAt: 'spec.upstream.primaryUrl',
  },
  {
    what: 'upstream port out of range',
    spec: sampleSpec({ upstream: upstream('http://erp.example:99999/api') }),
    rejectedAt: 'spec.upstream.primaryUrl',
  },
  {
    what: 'upstream not http',
    spec: sampleSpec({ upstream: upstream('ftp://erp.example/api') }),
    rejectedAt: 'spec.upstream.primaryUrl',
  },
  {
    what: 'Redis URL with a password',
    spec: sampleSpec({ queue: { redis: { url: 'redis://:hunter2@redis:6379' } } }),
    rejectedAt: 'spec.queue.redis.url',
  },
  // cross-field rules and the secondary URL's rules (#16): one definition gives the CEL and the zod refine
  rejected(
    'both a Redis URL and a secretRef',
    { queue: { redis: { url: 'redis://redis.example:6379', secretRef: { name: 'redis' } } } },
    'spec.queue.redis',
  ),
  rejected(
    'dead-letter stream equal to the stream',
    { queue: { redis: { url: 'redis://redis.example:6379' }, deadLetterStream: 'inventory:batches' } },
    'spec.queue.deadLetterStream',
  ),
  rejected('secondary URL equal to the primary', secondary(PRIMARY), 'spec.upstream.secondaryUrl'),
  rejected('secondary URL not http', secondary('ftp://erp.example'), 'spec.upstream.secondaryUrl'),
  rejected(
    'secondary URL port out of range',
    secondary('http://erp.example:0'),
    'spec.upstream.secondaryUrl',
  ),
  rejected(
    'secondary URL with credentials',
    secondary('http://a:b@erp.example'),
    'spec.upstream.secondaryUrl',
  ),
  rejected(
    'base delay above max delay',
    { retry: { baseDelayMs: 9000, maxDelayMs: 100 } },
    'spec.retry.baseDelayMs',
  ),
  rejected(
    'upstream call floor above ceiling',
    { concurrency: { upstreamCallsMin: 9, upstreamCallsMax: 8 } },
    'spec.concurrency.upstreamCallsMin',
  ),
  rejected(
    'minReplicas above maxReplicas',
    { scaling: { minReplicas: 5, maxReplicas: 2 } },
    'spec.scaling.minReplicas',
  ),
  rejected(
    'neither a CPU nor a queue lag target',
    { scaling: { targetCPUUtilizationPercentage: 0, queueLagPerReplica: 0 } },
    'spec.scaling.targetCPUUtilizationPercentage',
  ),
  rejected(
    'p95 objective above p99',
    { slo: { batchP95Seconds: 2, batchP99Seconds: 1 } },
    'spec.slo.batchP95Seconds',
  ),
  // The same rules broken only against the default of a field left out: the API server's CEL sees the
  // schema default, the operator's parse the zod one; both must reject (one definition, #16).
  rejected(
    'base delay above the default max delay',
    { retry: { baseDelayMs: 6000 } },
    'spec.retry.baseDelayMs',
  ),
  rejected('max delay below the default base delay', { retry: { maxDelayMs: 50 } }, 'spec.retry.baseDelayMs'),
  rejected(
    'upstream call floor above the default ceiling',
    { concurrency: { upstreamCallsMin: 65 } },
    'spec.concurrency.upstreamCallsMin',
  ),
  rejected(
    'minReplicas above the default maxReplicas',
    { scaling: { minReplicas: 11 } },
    'spec.scaling.minReplicas',
  ),
  rejected(
    'maxReplicas below the default minReplicas',
    { scaling: { maxReplicas: 1 } },
    'spec.scaling.minReplicas',
  ),
  rejected(
    'p95 objective above the default p99',
    { slo: { batchP95Seconds: 0.6 } },
    'spec.slo.batchP95Seconds',
  ),
  rejected(
    'p99 objective below the default p95',
    { slo: { batchP99Seconds: 0.2 } },
    'spec.slo.batchP95Seconds',
  ),
  rejected(
    'stream named as the default dead-letter stream',
    { queue: { redis: { url: 'redis://redis.example:6379' }, stream: 'inventory:dead-letter' } },
    'spec.queue.deadLetterStream',
  ),
  rejected(
    'memory request above the default limit',
    resources({ requests: { memory: '300Mi' } }),
    'spec.resources.requests.memory',
  ),
  rejected(
    'memory limit below the default request',
    resources({ limits: { memory: '64Mi' } }),
    'spec.resources.requests.memory',
  ),
  rejected(
    'CPU limit below the default request',
    resources({ limits: { cpu: '50m' } }),
    'spec.resources.requests.cpu',
  ),
  // accepted
  {
    what: 'one field of a section set, the rest defaulted',
    spec: sampleSpec({ scaling: { minReplicas: 10 } }),
  },
  {
    what: 'a CPU target of 0 with the default queue lag target',
    spec: sampleSpec({ scaling: { targetCPUUtilizationPercentage: 0 } }),
  },
  { what: 'a CPU limit above the default request', spec: sampleSpec(resources({ limits: { cpu: '100m' } })) },
  // Sections with one field set: no rule may fail on the fields left out.
  { what: 'retry with only maxAttempts', spec: sampleSpec({ retry: { maxAttempts: 3 } }) },
  { what: 'concurrency with only itemsPerBatch', spec: sampleSpec({ concurrency: { itemsPerBatch: 4 } }) },
  { what: 'slo with only availabilityPercent', spec: sampleSpec({ slo: { availabilityPercent: 99 } }) },
  { what: 'resources with only a CPU request', spec: sampleSpec(resources({ requests: { cpu: '200m' } })) },
  {
    what: 'queue with only a dead-letter stream',
    spec: sampleSpec({ queue: { redis: { url: 'redis://redis.example:6379' }, deadLetterStream: 'dlq' } }),
  },
  { what: 'name of 63 characters', name: `b${'x'.repeat(62)}`, spec: sampleSpec() },
  { what: 'digest pinned', spec: sampleSpec({ image: { tag: '1.0', digest: DIGEST } }) },
  {
    what: 'tag of 128 characters (label truncated)',
    spec: sampleSpec({ image: { tag: `v${'1'.repeat(127)}` } }),
  },
  {
    what: 'quantities .5, 1e9 and 1Pi',
    spec: sampleSpec(
      resources({ requests: { cpu: '.5', memory: '1e9' }, limits: { cpu: '1', memory: '1Pi' } }),
    ),
  },
  { what: 'upper-case URL scheme', spec: sampleSpec({ upstream: upstream('HTTP://ERP.example:8080/api') }) },
  { what: 'https with port 443', spec: sampleSpec({ upstream: upstream('https://erp.example:443/api') }) },
  {
    what: 'Redis URL with a user, no password',
    spec: sampleSpec({ queue: { redis: { url: 'REDIS://worker@redis:6379/0' } } }),
  },
];
