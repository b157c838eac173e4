// API identity, label keys, condition types and reasons: every part of InventoryBot takes these from here.

export const GROUP = 'inventorybot.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'InventoryBot';
export const LIST_KIND = 'InventoryBotList';
export const PLURAL = 'inventorybots';
export const SINGULAR = 'inventorybot';
export const SHORT_NAMES = ['ib'] as const;
export const CATEGORIES = ['all'] as const;
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const FIELD_MANAGER = 'inventorybot-operator';
export const OPERATOR_NAME = 'inventorybot-operator';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
} as const;

export const APP_NAME = 'inventorybot';
export const WORKER_COMPONENT = 'worker';

export const ANNOTATIONS = {
  configHash: `${GROUP}/config-hash`,
} as const;

export const CONDITION_TYPES = {
  ready: 'Ready',
  progressing: 'Progressing',
  degraded: 'Degraded',
  scalingHeld: 'ScalingHeld',
} as const;
export type ConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

export const REASONS = {
  reconciled: 'Reconciled',
  workersReady: 'WorkersReady',
  workersNotReady: 'WorkersNotReady',
  rollingOut: 'RollingOut',
  rolloutComplete: 'RolloutComplete',
  secretNotFound: 'SecretNotFound',
  secretKeyMissing: 'SecretKeyMissing',
  secretNotReadable: 'SecretNotReadable',
  imagePullFailing: 'ImagePullFailing',
  podsCrashLooping: 'PodsCrashLooping',
  scalingLimited: 'ScalingLimited',
  autoscalerUnableToScale: 'AutoscalerUnableToScale',
  applyFailed: 'ApplyFailed',
  objectNotOwned: 'ObjectNotOwned',
  podsUnschedulable: 'PodsUnschedulable',
  cpuTargetNeedsExternalMetrics: 'QueueLagScalingUnavailable',
  replicasAboveShards: 'MaxReplicasAboveShards',
  invalidSpec: 'InvalidSpec',
  queueUnreadable: 'QueueUnreadable',
  intakePaused: 'IntakePaused',
  scalingOnQueue: 'ScalingOnQueue',
  asleep: 'Asleep',
  asExpected: 'AsExpected',
} as const;
export type Reason = (typeof REASONS)[keyof typeof REASONS];

// The worker's contract with the Deployment the operator renders.
export const WORKER_CONTAINER = 'worker';
export const WORKER_CONFIG_DIR = '/etc/inventorybot';
export const WORKER_CONFIG_FILE = 'config.json';
export const WORKER_METRICS_PORT_NAME = 'metrics';
export const WORKER_ENV = {
  config: 'INVENTORYBOT_CONFIG',
  redisUrl: 'REDIS_URL',
  upstreamToken: 'UPSTREAM_TOKEN',
  podName: 'POD_NAME',
  podNamespace: 'POD_NAMESPACE',
} as const;
export const WORKER_PROBE_PATHS = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

// External metric the HPA scales on when the operator serves external.metrics.k8s.io.
export const QUEUE_LAG_METRIC = 'inventorybot_queue_lag';

export const LEADER_ELECTION_LEASE = 'inventorybot-operator-leader';

export const EVENT_REASONS = {
  becameReady: 'BecameReady',
  becameNotReady: 'BecameNotReady',
  degraded: 'Degraded',
  recovered: 'Recovered',
  reconcileFailed: 'ReconcileFailed',
  scalingHeld: 'ScalingHeld',
  scalingResumed: 'ScalingResumed',
  scaledToZero: 'ScaledToZero',
  wokeUp: 'WokeUp',
} as const;
