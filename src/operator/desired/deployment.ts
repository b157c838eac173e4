// spec → the worker Deployment. replicas is left out: the HPA owns it (SSA would otherwise fight it).
import type { V1Container, V1Deployment, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import {
  ANNOTATIONS,
  WORKER_CONFIG_DIR,
  WORKER_CONFIG_FILE,
  WORKER_CONTAINER,
  WORKER_ENV,
  WORKER_METRICS_PORT_NAME,
  WORKER_PROBE_PATHS,
} from '../../api/names.ts';
import { quantityValue } from '../../api/rules.ts';
import { workerHeap, workerHeapFlags } from '../../contracts/worker-heap.ts';
import { commonLabels, ownedMetadata, selectorLabels } from './labels.ts';
import { configMapName, workloadName } from './object-names.ts';

/** How the image starts a worker (the Dockerfile puts the compiled JS in dist/). */
export const WORKER_ENTRY = { command: ['node'], args: ['dist/src/worker/main.js'] } as const;

/**
 * The worker's command line: V8 heap bounds sized from the container's memory limit (#12: in a memory
 * cgroup V8 still sizes its heap at 259 MiB or more, and a 96Mi worker was OOM-killed), then the entry.
 */
export function workerArgs(memoryLimit: string): string[] {
  return [...workerHeapFlags(workerHeap(quantityValue(memoryLimit))), ...WORKER_ENTRY.args];
}

/** uid/gid of the image's non-root user (Dockerfile). */
export const WORKER_UID = 65532;

const CONFIG_VOLUME = 'config';
const TMP_VOLUME = 'tmp';

export function desiredDeployment(bot: InventoryBot, options: { configHash: string }): V1Deployment {
  const labels = commonLabels(bot);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: {
      selector: { matchLabels: selectorLabels(bot) },
      revisionHistoryLimit: 5,
      // Keep the full capacity during a rollout: a new pod first, then an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { [ANNOTATIONS.configHash]: options.configHash } },
        spec: podSpec(bot),
      },
    },
  };
}

function podSpec(bot: InventoryBot): V1PodSpec {
  const { image } = bot.spec;
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(image.pullSecrets?.length ? { imagePullSecrets: image.pullSecrets.map((name) => ({ name })) } : {}),
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorLabels(bot) },
      },
    ],
    containers: [workerContainer(bot)],
    volumes: [
      { name: CONFIG_VOLUME, configMap: { name: configMapName(bot.metadata.name) } },
      // readOnlyRootFilesystem: the only writable place.
      { name: TMP_VOLUME, emptyDir: { sizeLimit: '64Mi' } },
    ],
  };
}

function workerContainer(bot: InventoryBot): V1Container {
  const { image, monitoring, resources } = bot.spec;
  const probe = (path: string) => ({
    httpGet: { path, port: WORKER_METRICS_PORT_NAME, scheme: 'HTTP' },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    name: WORKER_CONTAINER,
    // #14: a digest pins the image (kubelet pulls by digest; the tag stays for people reading it).
    image: `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`,
    imagePullPolicy: image.pullPolicy,
    // #18: a worker that exits on a config error leaves its last log lines (the field it refused) as
    // the termination message, which the operator quotes on the bot.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    command: [...WORKER_ENTRY.command],
    args: workerArgs(resources.limits.memory),
    env: workerEnv(bot),
    ports: [{ name: WORKER_METRICS_PORT_NAME, containerPort: monitoring.metricsPort, protocol: 'TCP' }],
    readinessProbe: probe(WORKER_PROBE_PATHS.readiness),
    livenessProbe: { ...probe(WORKER_PROBE_PATHS.liveness), initialDelaySeconds: 10 },
    resources: {
      requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
      limits: {
        memory: resources.limits.memory,
        ...(resources.limits.cpu ? { cpu: resources.limits.cpu } : {}),
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: WORKER_CONFIG_DIR, readOnly: true },
      { name: TMP_VOLUME, mountPath: '/tmp' },
    ],
  };
}

/** Secrets only by secretKeyRef: their values never pass through the operator or the ConfigMap. */
function workerEnv(bot: InventoryBot): V1EnvVar[] {
  const { redis } = bot.spec.queue;
  const token = bot.spec.upstream.credentialsSecretRef;
  return [
    { name: WORKER_ENV.config, value: `${WORKER_CONFIG_DIR}/${WORKER_CONFIG_FILE}` },
    redis.secretRef
      ? {
          name: WORKER_ENV.redisUrl,
          valueFrom: { secretKeyRef: { name: redis.secretRef.name, key: redis.secretRef.key } },
        }
      : { name: WORKER_ENV.redisUrl, value: redis.url },
    ...(token
      ? [
          {
            name: WORKER_ENV.upstreamToken,
            valueFrom: { secretKeyRef: { name: token.name, key: token.key } },
          },
        ]
      : []),
    { name: WORKER_ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: WORKER_ENV.podNamespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
}
