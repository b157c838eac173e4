// What the user runs beside the operator on the real node (#10): Redis (Debian's redis-server image, AOF
// on a volume that outlives the pod) and the upstream simulator (the project image) as Deployments with
// Services, an enqueue Job, and the namespaces, all under Pod Security "restricted".
// Written as JSON (a v1 List), which kubectl reads without YAML 1.1 surprises (an unquoted `yes` is a bool).

export const RESTRICTED_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
};

const restrictedPod = (uid: number) => ({
  runAsNonRoot: true,
  runAsUser: uid,
  runAsGroup: uid,
  fsGroup: uid,
  seccompProfile: { type: 'RuntimeDefault' },
});
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

const list = (items: object[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

export function namespaceJson(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: RESTRICTED_LABELS },
  });
}

function deploymentAndService(
  namespace: string,
  name: string,
  pod: object,
  port: { name: string; port: number },
): object[] {
  const labels = { 'app.kubernetes.io/name': name };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: pod },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ name: port.name, port: port.port, targetPort: port.port }] },
    },
  ];
}

/** Redis with AOF on a PersistentVolume (a directory on the node), so a restarted pod keeps the queue. */
export function redisJson(namespace: string, image: string, volumeDir: string, nodeName: string): string {
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${namespace}-redis-data` },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: 'node-local',
        local: { path: volumeDir },
        claimRef: { namespace, name: 'redis-data' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'redis-data', namespace },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'node-local',
        volumeName: `${namespace}-redis-data`,
        resources: { requests: { storage: '1Gi' } },
      },
    },
    ...deploymentAndService(
      namespace,
      'redis',
      {
        securityContext: restrictedPod(999),
        containers: [
          {
            name: 'redis',
            image,
            imagePullPolicy: 'Never',
            args: [
              '--bind',
              '0.0.0.0',
              '--protected-mode',
              'no',
              '--dir',
              '/data',
              '--appendonly',
              'yes',
              '--appendfsync',
              'everysec',
              '--save',
              '',
              '--maxmemory-policy',
              'noeviction',
            ],
            ports: [{ containerPort: 6379 }],
            readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 2 },
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            securityContext: restrictedContainer,
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'redis-data' } }],
      },
      { name: 'redis', port: 6379 },
    ),
  ];
  return list(docs);
}

/**
 * The upstream simulator: 20 % transient failures (a quarter of them after the effect: lost responses),
 * or `failureRate` (#15's scale-in test wants none: every redelivery there is the scale-in's).
 */
export function simulatorJson(namespace: string, image: string, o: { failureRate?: number } = {}): string {
  return list(
    deploymentAndService(
      namespace,
      'inventory-api',
      {
        securityContext: restrictedPod(65532),
        containers: [
          {
            name: 'simulator',
            image,
            imagePullPolicy: 'Never',
            command: ['node', 'dist/src/simulator/main.js'],
            env: [
              { name: 'SIMULATOR_HOST', value: '0.0.0.0' },
              { name: 'SIMULATOR_PORT', value: '8080' },
              { name: 'SIMULATOR_FAILURE_RATE', value: String(o.failureRate ?? 0.2) },
              { name: 'SIMULATOR_LOST_RESPONSE_SHARE', value: '0.25' },
              { name: 'SIMULATOR_LATENCY_MEDIAN_MS', value: '2' },
              { name: 'SIMULATOR_LATENCY_P95_MS', value: '8' },
            ],
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2 },
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            securityContext: restrictedContainer,
          },
        ],
      },
      { name: 'http', port: 8080 },
    ),
  );
}

/** What an enqueue Job puts on the queue: synthetic batches, or a batch file from a ConfigMap (#13). */
export type EnqueueSource =
  { batches: number; batchSize: number; runId: string } | { file: { configMap: string; key: string } };

/** `inventorybot enqueue` as a Job in the cluster, at most `rate` batches/s (0: at once). */
export function enqueueJobJson(
  namespace: string,
  image: string,
  o: { name: string; redisUrl: string; rate: number; shards?: number; stream?: string } & EnqueueSource,
): string {
  const source =
    'file' in o
      ? [`--file=/batches/${o.file.key}`]
      : [`--count=${o.batches}`, `--batch-size=${o.batchSize}`, `--run-id=${o.runId}`];
  const volumes = [
    { name: 'tmp', emptyDir: {} },
    ...('file' in o ? [{ name: 'batches', configMap: { name: o.file.configMap } }] : []),
  ];
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          securityContext: restrictedPod(65532),
          containers: [
            {
              name: 'enqueue',
              image,
              imagePullPolicy: 'Never',
              args: [
                'inventorybot',
                'enqueue',
                `--redis-url=${o.redisUrl}`,
                ...source,
                ...(o.rate > 0 ? [`--rate=${o.rate}`] : []),
                ...(o.shards ? [`--shards=${o.shards}`] : []),
                ...(o.stream ? [`--stream=${o.stream}`] : []),
              ],
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: restrictedContainer,
              volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/${v.name}` })),
            },
          ],
          volumes,
        },
      },
    },
  });
}
