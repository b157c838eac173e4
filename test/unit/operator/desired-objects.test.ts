import { ANNOTATIONS, LABELS, QUEUE_LAG_METRIC, WORKER_ENV } from '../../../src/api/names.ts';
import { desiredObjects, type DesiredObjectsOptions } from '../../../src/operator/desired/desired-objects.ts';
import { WORKER_ENTRY } from '../../../src/operator/desired/deployment.ts';
import { workerConfigFromSpec } from '../../../src/contracts/worker-config.ts';
import { sampleBot } from '../../support/sample-bot.ts';

const noExtras: DesiredObjectsOptions = {
  externalMetrics: false,
  monitoringKinds: { serviceMonitor: false, prometheusRule: false },
};

describe('desired objects', () => {
  const bot = sampleBot();
  const objects = desiredObjects(bot, noExtras);
  const pod = objects.deployment.spec?.template.spec;
  const container = pod?.containers[0];

  it('labels every object and makes the bot its controlling owner', () => {
    const owned = [objects.configMap, objects.deployment, objects.service, objects.horizontalPodAutoscaler];
    for (const object of owned) {
      expect(object.metadata?.namespace).toBe('stores');
      expect(object.metadata?.labels).toMatchObject({
        [LABELS.managedBy]: 'inventorybot-operator',
        [LABELS.instance]: 'shop',
        [LABELS.name]: 'inventorybot',
        [LABELS.component]: 'worker',
      });
      expect(object.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'inventorybot.io/v1alpha1',
          kind: 'InventoryBot',
          name: 'shop',
          uid: bot.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(objects.deployment.spec?.template.metadata?.labels?.[LABELS.managedBy]).toBe(
      'inventorybot-operator',
    );
  });

  it('puts the worker configuration in config.json and mounts it where INVENTORYBOT_CONFIG points', () => {
    expect(JSON.parse(objects.configMap.data?.['config.json'] as string)).toEqual(
      workerConfigFromSpec(bot.spec),
    );
    expect(container?.env).toContainEqual({
      name: WORKER_ENV.config,
      value: '/etc/inventorybot/config.json',
    });
    expect(container?.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/inventorybot',
      readOnly: true,
    });
    expect(pod?.volumes).toContainEqual({ name: 'config', configMap: { name: 'shop-config' } });
  });

  it('leaves replicas to the HPA and takes min/max, CPU target and behavior from spec.scaling', () => {
    const scaled = desiredObjects(
      sampleBot({
        scaling: {
          minReplicas: 3,
          maxReplicas: 12,
          targetCPUUtilizationPercentage: 55,
          scaleUpStabilizationSeconds: 15,
          scaleDownStabilizationSeconds: 120,
        },
      }),
      noExtras,
    );
    expect(scaled.deployment.spec).not.toHaveProperty('replicas');
    expect(scaled.horizontalPodAutoscaler.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 55 } },
        },
      ],
      behavior: {
        // #15: a burst may take the workers from min to max in one HPA sync.
        scaleUp: {
          stabilizationWindowSeconds: 15,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: 12, periodSeconds: 15 }],
        },
        scaleDown: { stabilizationWindowSeconds: 120 },
      },
    });
  });

  it('adds the queue lag External metric only with external metrics on and a positive target', () => {
    const withLag = desiredObjects(bot, { ...noExtras, externalMetrics: true }).horizontalPodAutoscaler;
    expect(withLag.spec?.metrics?.[1]).toEqual({
      type: 'External',
      external: {
        metric: { name: QUEUE_LAG_METRIC, selector: { matchLabels: { [LABELS.instance]: 'shop' } } },
        target: { type: 'AverageValue', averageValue: '100' },
      },
    });
    const cpuOnly = desiredObjects(sampleBot({ scaling: { queueLagPerReplica: 0 } }), {
      ...noExtras,
      externalMetrics: true,
    });
    expect(cpuOnly.horizontalPodAutoscaler.spec?.metrics).toHaveLength(1);
    expect(objects.horizontalPodAutoscaler.spec?.metrics).toHaveLength(1);
  });

  it('leaves CPU out when its target is 0, so the HPA can scale in on queue lag alone', () => {
    const lagOnly = desiredObjects(sampleBot({ scaling: { targetCPUUtilizationPercentage: 0 } }), {
      ...noExtras,
      externalMetrics: true,
    });
    expect(lagOnly.horizontalPodAutoscaler.spec?.metrics?.map((m) => m.type)).toEqual(['External']);
    const none = desiredObjects(sampleBot({ scaling: { targetCPUUtilizationPercentage: 0 } }), noExtras);
    expect(none.horizontalPodAutoscaler.spec).not.toHaveProperty('metrics');
  });

  it('runs one HPA replica at least when minReplicas is 0', () => {
    const zero = desiredObjects(sampleBot({ scaling: { minReplicas: 0 } }), noExtras);
    expect(zero.horizontalPodAutoscaler.spec?.minReplicas).toBe(1);
  });

  it('creates a PodDisruptionBudget only from minReplicas 2 (the default since #15: N+1), unready workers always evictable', () => {
    expect(
      desiredObjects(sampleBot({ scaling: { minReplicas: 1 } }), noExtras).podDisruptionBudget,
    ).toBeUndefined();
    expect(objects.podDisruptionBudget?.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: objects.deployment.spec?.selector.matchLabels },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('runs the worker restricted: non-root numeric user, no escalation, no capabilities, seccomp, read-only root', () => {
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(typeof pod?.securityContext?.runAsUser).toBe('number');
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod?.volumes?.find((v) => v.name === 'tmp')?.emptyDir).toBeDefined();
  });

  it('spreads pods across nodes without blocking scheduling', () => {
    expect(pod?.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: objects.deployment.spec?.selector.matchLabels },
      },
    ]);
  });

  it('probes /healthz and /readyz on the named metrics port, exposed by the Service', () => {
    const custom = desiredObjects(sampleBot({ monitoring: { metricsPort: 9300 } }), noExtras);
    const c = custom.deployment.spec?.template.spec?.containers[0];
    expect(c?.ports).toEqual([{ name: 'metrics', containerPort: 9300, protocol: 'TCP' }]);
    expect(c?.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'metrics' });
    expect(c?.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'metrics' });
    expect(custom.service.spec?.ports).toEqual([
      { name: 'metrics', port: 9300, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(custom.service.spec?.selector).toEqual(custom.deployment.spec?.selector.matchLabels);
  });

  it('runs the worker entry of the image tag from the spec', () => {
    const custom = desiredObjects(
      sampleBot({ image: { repository: 'reg.example/bot', tag: '1.2.3' } }),
      noExtras,
    );
    const c = custom.deployment.spec?.template.spec?.containers[0];
    expect(c?.image).toBe('reg.example/bot:1.2.3');
    // Default limit 256Mi (#12): the old generation at half of it, the young one bounded.
    expect([...(c?.command ?? []), ...(c?.args ?? [])]).toEqual([
      ...WORKER_ENTRY.command,
      '--max-semi-space-size=8',
      '--max-old-space-size=128',
      ...WORKER_ENTRY.args,
    ]);
  });

  it('sizes the worker heap from the memory limit (#12)', () => {
    const small = desiredObjects(
      sampleBot({ resources: { requests: { memory: '96Mi' }, limits: { memory: '96Mi' } } }),
      noExtras,
    );
    expect(small.deployment.spec?.template.spec?.containers[0]?.args).toEqual([
      '--max-semi-space-size=3',
      '--max-old-space-size=48',
      ...WORKER_ENTRY.args,
    ]);
  });

  it('passes secrets only by secretKeyRef', () => {
    const secret = desiredObjects(
      sampleBot({
        queue: { redis: { secretRef: { name: 'redis', key: 'uri' } } },
        upstream: { primaryUrl: 'https://erp.example', credentialsSecretRef: { name: 'erp' } },
      }),
      noExtras,
    );
    const env = secret.deployment.spec?.template.spec?.containers[0]?.env;
    expect(env).toContainEqual({
      name: WORKER_ENV.redisUrl,
      valueFrom: { secretKeyRef: { name: 'redis', key: 'uri' } },
    });
    expect(env).toContainEqual({
      name: WORKER_ENV.upstreamToken,
      valueFrom: { secretKeyRef: { name: 'erp', key: 'token' } },
    });
    expect(JSON.stringify(secret.configMap)).not.toMatch(/redis|erp"|token/i);
    expect(container?.env).toContainEqual({ name: WORKER_ENV.redisUrl, value: 'redis://redis.example:6379' });
    expect(container?.env?.some((e) => e.name === WORKER_ENV.upstreamToken)).toBe(false);
  });

  it('changes the pod template config hash when, and only when, the worker configuration changes', () => {
    const hash = (o: ReturnType<typeof desiredObjects>) =>
      o.deployment.spec?.template.metadata?.annotations?.[ANNOTATIONS.configHash];
    const same = desiredObjects(sampleBot({ scaling: { maxReplicas: 50 } }), noExtras);
    const changed = desiredObjects(sampleBot({ concurrency: { batches: 9 } }), noExtras);
    expect(hash(objects)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(same)).toBe(hash(objects));
    expect(hash(changed)).not.toBe(hash(objects));
  });

  it('renders ServiceMonitor and PrometheusRule only when the CRDs exist and the spec asks', () => {
    expect(objects.serviceMonitor).toBeUndefined();
    expect(objects.prometheusRule).toBeUndefined();
    const all = { ...noExtras, monitoringKinds: { serviceMonitor: true, prometheusRule: true } };
    const withMonitoring = desiredObjects(bot, all);
    expect(withMonitoring.serviceMonitor?.spec).toMatchObject({
      endpoints: [{ port: 'metrics', path: '/metrics' }],
    });
    const rules = (
      withMonitoring.prometheusRule?.spec.groups as Array<{ rules: Array<{ alert: string; expr: string }> }>
    )[0]?.rules;
    expect(rules?.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'InventoryBotErrorRateHigh',
        'InventoryBotBatchLatencyP95High',
        'InventoryBotQueueLagHigh',
      ]),
    );
    expect(rules?.find((r) => r.alert === 'InventoryBotBatchLatencyP95High')?.expr).toMatch(/> 0\.3$/);
    const optedOut = desiredObjects(
      sampleBot({ monitoring: { serviceMonitor: false, prometheusRule: false } }),
      all,
    );
    expect(optedOut.serviceMonitor).toBeUndefined();
    expect(optedOut.prometheusRule).toBeUndefined();
  });
});
