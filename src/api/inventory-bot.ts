// The InventoryBot schema, written once. TypeScript types are inferred from it, the operator and the
// worker parse with it, and crds/ is generated from it (src/api/crd.ts). Nested objects use
// `.prefault({})` so an omitted section gets its inner defaults, both here and in the API server.
import { z } from 'zod';
import { MAX_SHARDS } from '../contracts/shard-routing.ts';
import { PRODUCT_VERSION } from '../contracts/version.ts';
import {
  CROSS_FIELD_RULES,
  DNS_SUBDOMAIN,
  httpUrlRules,
  IMAGE_DIGEST,
  IMAGE_TAG,
  isQuantity,
  positiveQuantity,
  redisUrlRules,
  requestWithinLimit,
  SECRET_KEY,
  withRules,
} from './rules.ts';

// Every admission rule is written once in ./rules.ts (CEL for the API server, TypeScript for zod).
const quantity = withRules(z.string().max(64), [isQuantity]).describe(
  'A Kubernetes quantity, e.g. 250m, 0.5, 1e9 or 256Mi.',
);

const secretName = z
  .string()
  .min(1)
  .max(253)
  .regex(DNS_SUBDOMAIN, 'must be a valid Secret name (lower-case DNS subdomain)');

const secretKeyRef = (defaultKey: string, what: string) =>
  z
    .object({
      name: secretName.describe(`Name of the Secret (same namespace) that holds ${what}.`),
      key: z
        .string()
        .min(1)
        .max(253)
        .regex(SECRET_KEY, "must be a valid Secret key (letters, digits, '-', '_', '.')")
        .default(defaultKey)
        .describe(`Key inside the Secret holding ${what}.`),
    })
    .describe(`Reference to a Secret key holding ${what}.`);

const httpUrl = (field: string) =>
  withRules(z.string().max(2048), httpUrlRules(field, 'spec.upstream.credentialsSecretRef'));

export const imageSchema = z
  .object({
    repository: z
      .string()
      .min(1)
      .default('ghcr.io/inventorybot/inventorybot')
      .describe('Worker image repository.'),
    tag: z
      .string()
      .regex(
        IMAGE_TAG,
        'must be an image tag (letters, digits, _ . -, at most 128, not starting with . or -); pin a digest with spec.image.digest',
      )
      .default(PRODUCT_VERSION)
      .describe('Worker image tag (the bot version).'),
    digest: z
      .string()
      .regex(IMAGE_DIGEST, 'must be an image digest such as sha256:<64 hex digits>')
      .optional()
      .describe('Image digest (sha256:...) to pin: the workers run repository:tag@digest.'),
    pullPolicy: z
      .enum(['Always', 'IfNotPresent', 'Never'])
      .default('IfNotPresent')
      .describe('Image pull policy of the worker containers.'),
    pullSecrets: z
      .array(secretName)
      .max(16)
      .optional()
      .describe('Names of image pull Secrets in the bot namespace.'),
  })
  .describe('The worker image to run.');

export const redisSchema = z
  .object({
    url: withRules(
      z
        .string()
        .max(2048)
        .regex(/^[rR][eE][dD][iI][sS][sS]?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'),
      redisUrlRules,
    )
      .optional()
      .describe('Redis URL (redis:// or rediss://). Use secretRef instead when it carries a password.'),
    secretRef: secretKeyRef('url', 'the Redis URL').optional(),
  })
  .describe('Where the Redis holding the queue is. Exactly one of url or secretRef.')
  .apply(withRules, CROSS_FIELD_RULES.redis('spec.queue.redis'));

export const queueSchema = z
  .object({
    redis: redisSchema,
    stream: z
      .string()
      .min(1)
      .max(256)
      .default('inventory:batches')
      .describe('Redis stream the batches arrive on.'),
    consumerGroup: z
      .string()
      .min(1)
      .max(256)
      .default('inventorybot')
      .describe('Consumer group the workers of this bot share.'),
    deadLetterStream: z
      .string()
      .min(1)
      .max(256)
      .default('inventory:dead-letter')
      .describe('Stream that receives batches and items that cannot be processed, with their error.'),
    maxDeliveries: z
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe('Deliveries of a batch before it goes to the dead-letter stream.'),
    claimIdleSeconds: z
      .int()
      .min(1)
      .max(86400)
      .default(60)
      .describe('Idle time after which a pending batch of a dead worker is reclaimed (XAUTOCLAIM).'),
    readCount: z.int().min(1).max(1000).default(10).describe('Batches read per XREADGROUP call.'),
    shards: z
      .int()
      .min(0)
      .max(MAX_SHARDS)
      .default(0)
      .describe(
        'Warehouse shards (0: off). When > 0, producers put each batch on the shard stream of its warehouse (<stream>:shard-<n>, n = FNV-1a of the warehouse mod shards); each shard is owned by one worker at a time and processed in entry order, so operations on one (warehouse, SKU) take effect in enqueue order and one busy warehouse does not delay the others. Also the most worker replicas that can be busy. Changing it is a migration (see README).',
      ),
  })
  .describe('The Redis Streams queue the workers consume.')
  .apply(withRules, CROSS_FIELD_RULES.queue('spec.queue'));

export const upstreamSchema = z
  .object({
    primaryUrl: httpUrl('spec.upstream.primaryUrl').describe(
      'Base URL of the upstream inventory API (http or https).',
    ),
    secondaryUrl: httpUrl('spec.upstream.secondaryUrl')
      .optional()
      .describe('Failover inventory API, used while the primary circuit breaker is open.'),
    timeoutMs: z
      .int()
      .min(10)
      .max(120000)
      .default(2000)
      .describe('Timeout of one upstream call, in milliseconds.'),
    credentialsSecretRef: secretKeyRef('token', 'the bearer token for the upstream API').optional(),
    rateLimitPerSecond: z
      .int()
      .min(1)
      .max(100000)
      .default(100)
      .describe('Maximum upstream calls per second, per worker replica and upstream.'),
  })
  .describe('The upstream inventory API (your ERP or WMS) the items are applied to.')
  .apply(withRules, CROSS_FIELD_RULES.upstream('spec.upstream'));

export const retrySchema = z
  .object({
    maxAttempts: z.int().min(1).max(20).default(5).describe('Attempts per item, the first included.'),
    baseDelayMs: z.int().min(1).max(600000).default(100).describe('Backoff base delay, in milliseconds.'),
    maxDelayMs: z.int().min(1).max(600000).default(5000).describe('Backoff cap, in milliseconds.'),
    jitter: z
      .enum(['full', 'decorrelated', 'none'])
      .default('full')
      .describe('Backoff jitter: full (fewest calls), decorrelated, or none.'),
  })
  .describe('Retry of transient upstream errors (timeouts, 5xx, 429, connection errors).')
  .apply(withRules, CROSS_FIELD_RULES.retry('spec.retry'));

export const circuitBreakerSchema = z
  .object({
    consecutiveFailures: z
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe(
        'Consecutive failed calls that open the breaker of an upstream (10 keeps random transient errors from tripping it).',
      ),
    halfOpenAfterMs: z
      .int()
      .min(100)
      .max(3600000)
      .default(10000)
      .describe('Time an open breaker waits before letting a trial call through, in milliseconds.'),
  })
  .describe('Circuit breaker per upstream.');

export const concurrencySchema = z
  .object({
    batches: z
      .int()
      .min(1)
      .max(256)
      .default(4)
      .describe(
        'Batches processed at once per worker replica; up to 8 times as many are held while their items wait in backoff, which holds no upstream call slot.',
      ),
    itemsPerBatch: z.int().min(1).max(256).default(8).describe('Items of one batch applied at once.'),
    upstreamCallsMin: z
      .int()
      .min(1)
      .max(1024)
      .default(2)
      .describe(
        'Fewest calls in flight per upstream: the floor of the adaptive limit, which is cut on latency growth, 429s, timeouts and error spikes.',
      ),
    upstreamCallsMax: z
      .int()
      .min(1)
      .max(1024)
      .default(64)
      .describe(
        'Most calls in flight per upstream: the ceiling the adaptive limit grows to while latency and errors stay low.',
      ),
  })
  .apply(withRules, CROSS_FIELD_RULES.concurrency('spec.concurrency'))
  .describe('Concurrency inside one worker replica.');

export const scalingSchema = z
  .object({
    minReplicas: z.int().min(0).max(1000).default(2).describe('Fewest worker replicas.'),
    maxReplicas: z.int().min(1).max(1000).default(10).describe('Most worker replicas.'),
    targetCPUUtilizationPercentage: z
      .int()
      .min(0)
      .max(100)
      .default(70)
      .describe('Average CPU utilization (of requests) the autoscaler aims for; 0 scales on queue lag only.'),
    queueLagPerReplica: z
      .int()
      .min(0)
      .max(10000000)
      .default(100)
      .describe('Queue lag (undelivered batches) per replica the autoscaler aims for; 0 scales on CPU only.'),
    fallbackReplicas: z
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'Workers to hold while the queue cannot be read (clamped to minReplicas..maxReplicas); unset: the replicas running when it became unreadable.',
      ),
    idleReplicas: z
      .int()
      .min(0)
      .max(0)
      .optional()
      .describe(
        'Set to 0 to scale to zero: after idleSeconds with an empty queue and nothing pending the bot sleeps at 0 workers, and wakes within seconds of the next batch. Unset: never below minReplicas.',
      ),
    idleSeconds: z
      .int()
      .min(0)
      .max(86400)
      .default(300)
      .describe(
        'How long the queue must stay empty before a bot with idleReplicas 0 goes to sleep, in seconds.',
      ),
    scaleUpStabilizationSeconds: z
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe('Autoscaler stabilization window for scaling up, in seconds.'),
    scaleDownStabilizationSeconds: z
      .int()
      .min(0)
      .max(3600)
      .default(300)
      .describe('Autoscaler stabilization window for scaling down, in seconds.'),
    scaleInOrder: z
      .enum(['IdleFirst', 'ReplicaSet'])
      .default('IdleFirst')
      .describe(
        "Which workers a scale-in removes first. IdleFirst: the operator keeps each worker pod's controller.kubernetes.io/pod-deletion-cost at its batches in flight, so idle workers go first and busy ones keep their batches. ReplicaSet: the operator leaves that annotation alone (the ReplicaSet's own order: not ready, then the newest; or costs you set yourself).",
      ),
  })
  .describe('Horizontal autoscaling of the workers on CPU and queue lag.')
  .apply(withRules, CROSS_FIELD_RULES.scaling('spec.scaling'));

export const resourcesSchema = withRules(
  z.object({
    requests: z
      .object({
        cpu: quantity.default('100m').describe('CPU request of a worker container.'),
        memory: quantity.default('128Mi').describe('Memory request of a worker container.'),
      })
      .prefault({})
      .describe('Resources requested per worker container.'),
    limits: z
      .object({
        cpu: quantity.optional().describe('CPU limit of a worker container (unset: no limit).'),
        memory: withRules(quantity, [positiveQuantity('spec.resources.limits.memory')])
          .default('256Mi')
          .describe('Memory limit of a worker container.'),
      })
      .prefault({})
      .describe('Resource limits per worker container.'),
  }),
  [requestWithinLimit('cpu'), requestWithinLimit('memory')],
).describe('Compute resources of each worker container.');

export const sloSchema = z
  .object({
    availabilityPercent: z
      .number()
      .min(0)
      .max(100)
      .default(99.5)
      .describe('Share of successful batches per hour, in percent.'),
    batchP95Seconds: z
      .number()
      .gt(0)
      .max(3600)
      .default(0.3)
      .describe('Batch duration p95 objective, in seconds.'),
    batchP99Seconds: z
      .number()
      .gt(0)
      .max(3600)
      .default(0.5)
      .describe('Batch duration p99 objective, in seconds.'),
    errorRatePercent: z
      .number()
      .min(0)
      .max(100)
      .default(2)
      .describe('Highest acceptable item error rate, in percent.'),
    retryRatePercent: z
      .number()
      .min(0)
      .max(100)
      .default(7)
      .describe('Highest acceptable retry rate, in percent.'),
    consecutiveFailures: z
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .describe('Consecutive failed batches that raise an alert.'),
  })
  .describe('Service level objectives; the alert rules use them as thresholds.')
  .apply(withRules, CROSS_FIELD_RULES.slo('spec.slo'));

export const roiSchema = z
  .object({
    laborMinutesPerItem: z
      .number()
      .min(0)
      .max(1440)
      .default(2)
      .describe('Manual labor minutes one processed item saves.'),
    laborCostPerHour: z.number().min(0).max(100000).default(30).describe('Cost of one labor hour.'),
    cpuSecondPrice: z
      .number()
      .min(0)
      .max(1000)
      .default(0.0000125)
      .describe('Price of one CPU second (default: about 0.045 per vCPU hour).'),
    setupCost: z
      .number()
      .min(0)
      .max(1e12)
      .default(10000)
      .describe('One-time setup cost for the payback period.'),
    currency: z.string().min(1).max(8).default('USD').describe('Currency of the costs above.'),
  })
  .describe('Assumptions of the ROI report (inventorybot roi).');

export const monitoringSchema = z
  .object({
    metricsPort: z
      .int()
      .min(1024)
      .max(65535)
      .default(9100)
      .describe('Port of the worker metrics and probes.'),
    serviceMonitor: z
      .boolean()
      .default(true)
      .describe('Create a ServiceMonitor when the Prometheus Operator CRDs exist.'),
    prometheusRule: z
      .boolean()
      .default(true)
      .describe('Create a PrometheusRule with the SLO alerts when the Prometheus Operator CRDs exist.'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Worker log level.'),
  })
  .describe('Metrics, alerting and logging of the workers.');

export const inventoryBotSpecSchema = z
  .object({
    image: imageSchema.prefault({}),
    queue: queueSchema,
    upstream: upstreamSchema,
    retry: retrySchema.prefault({}),
    circuitBreaker: circuitBreakerSchema.prefault({}),
    concurrency: concurrencySchema.prefault({}),
    scaling: scalingSchema.prefault({}),
    resources: resourcesSchema.prefault({}),
    slo: sloSchema.prefault({}),
    roi: roiSchema.prefault({}),
    monitoring: monitoringSchema.prefault({}),
  })
  .describe(
    'Desired state of an InventoryBot: the queue it consumes, the upstream it feeds, and how it runs.',
  );

export const conditionSchema = z
  .object({
    type: z.string().min(1).max(316).describe('Type of condition: Ready, Progressing or Degraded.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition.'),
    reason: z.string().min(1).max(1024).describe('Machine-readable CamelCase reason of the last transition.'),
    message: z.string().max(32768).describe('Human-readable details.'),
    lastTransitionTime: z
      .string()
      .describe('When the status last changed (RFC 3339).')
      .meta({ format: 'date-time' }),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition was set from.'),
  })
  .describe('One aspect of the bot state, in the Kubernetes condition convention.');

export const queueStatusSchema = z
  .object({
    length: z.int().min(0).optional().describe('Entries in the stream.'),
    lag: z.int().min(0).optional().describe('Entries not yet delivered to the consumer group.'),
    pending: z.int().min(0).optional().describe('Delivered entries not yet acknowledged.'),
    deadLetters: z.int().min(0).optional().describe('Entries in the dead-letter stream.'),
    oldestPendingSeconds: z
      .number()
      .min(0)
      .optional()
      .describe('Age of the oldest pending entry, in seconds.'),
    outstanding: z
      .int()
      .min(0)
      .optional()
      .describe('Batches not yet done: lag plus pending (the figure the autoscaler scales on).'),
    throughputPerSecond: z
      .number()
      .min(0)
      .optional()
      .describe('Batches done (acknowledged or dead-lettered) per second over the last two minutes.'),
    drainSeconds: z
      .int()
      .min(0)
      .optional()
      .describe(
        'Seconds until the queue is drained at the current throughput: the lag, plus the pending batches counted as half done (workers hold several and work them side by side); absent: none done lately.',
      ),
    eta: z
      .string()
      .max(32)
      .optional()
      .describe('drainSeconds in short form (4m10s); "unknown" while nothing is being done.'),
    readTime: z
      .string()
      .optional()
      .describe(
        'When these figures were read from Redis (RFC 3339), shown with drainSeconds, which counts from it (figures are cached up to 15 s).',
      )
      .meta({ format: 'date-time' }),
  })
  .describe('Queue figures last read by the operator.');

export const autoscalingStatusSchema = z
  .object({
    queueReplicas: z
      .int()
      .min(0)
      .optional()
      .describe(
        'Workers the queue alone calls for: outstanding / spec.scaling.queueLagPerReplica, rounded up.',
      ),
    autoscalerReplicas: z.int().min(0).optional().describe('Workers the HorizontalPodAutoscaler set.'),
    limitedBy: z
      .string()
      .max(64)
      .optional()
      .describe(
        'What decided the worker count: QueueLag, CPU, MaxReplicas, ShardCount (sharded, maxReplicas above spec.queue.shards: more workers would idle), MinReplicas, ScaleDownStabilization, Held (queue unreadable or intake paused), Asleep, Unknown.',
      ),
    message: z.string().max(1024).optional().describe('The same, in words.'),
    asleep: z
      .boolean()
      .optional()
      .describe('Scaled to zero (spec.scaling.idleReplicas 0) until the next batch.'),
    idleSince: z
      .string()
      .optional()
      .describe('Since when the queue has been empty with nothing pending (RFC 3339).')
      .meta({ format: 'date-time' }),
    heldReplicas: z
      .int()
      .min(0)
      .optional()
      .describe('The autoscaler floor the operator holds while the queue is unreadable or intake paused.'),
  })
  .describe('Why the bot runs this many workers.');

export const inventoryBotStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The .metadata.generation last reconciled.'),
    conditions: z
      .array(conditionSchema)
      .max(16)
      .optional()
      .describe('Ready, Progressing and Degraded conditions.')
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    summary: z
      .string()
      .max(1024)
      .optional()
      .describe(
        "The most important condition's reason (kubectl's STATUS column): Degraded's while degraded, else Ready's.",
      ),
    replicas: z.int().min(0).optional().describe('Worker pods that exist.'),
    readyReplicas: z.int().min(0).optional().describe('Worker pods that are ready.'),
    desiredReplicas: z.int().min(0).optional().describe('Worker pods the autoscaler wants.'),
    queue: queueStatusSchema.optional(),
    autoscaling: autoscalingStatusSchema.optional(),
  })
  .describe('Observed state of an InventoryBot.');

export type InventoryBotSpecInput = z.input<typeof inventoryBotSpecSchema>;
export type InventoryBotSpec = z.output<typeof inventoryBotSpecSchema>;
export type InventoryBotStatus = z.output<typeof inventoryBotStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface InventoryBot {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: InventoryBotSpec;
  status?: InventoryBotStatus;
}

/** Parses a spec as the API server stores it, filling the same defaults; throws a ZodError naming the field. */
export function parseSpec(spec: unknown): InventoryBotSpec {
  return inventoryBotSpecSchema.parse(spec);
}
