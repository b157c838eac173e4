import type { KubernetesObject, V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import {
  applyReason,
  firstDifference,
  firstUncoveredField,
  mustReplace,
} from '../../../src/operator/apply-decision.ts';
import { desiredObjects } from '../../../src/operator/desired/desired-objects.ts';
import { sampleBot } from '../../support/sample-bot.ts';

const MANAGER = 'inventorybot-operator';
const clone = <T>(value: T): T => structuredClone(value);

const objects = desiredObjects(sampleBot(), {
  externalMetrics: false,
  monitoringKinds: { serviceMonitor: false, prometheusRule: false },
});
const configMap: V1ConfigMap = objects.configMap;
const deployment: V1Deployment = objects.deployment;
const container = () => deployment.spec?.template.spec?.containers[0];

/** FieldsV1 as the API server records the ConfigMap apply (the shape of a real managedFields entry). */
function configMapFields(desired: V1ConfigMap): Record<string, unknown> {
  const uid = desired.metadata?.ownerReferences?.[0]?.uid;
  return {
    'f:data': Object.fromEntries(Object.keys(desired.data ?? {}).map((k) => [`f:${k}`, {}])),
    'f:metadata': {
      'f:labels': Object.fromEntries(Object.keys(desired.metadata?.labels ?? {}).map((k) => [`f:${k}`, {}])),
      'f:ownerReferences': { [`k:{"uid":"${uid}"}`]: {} },
    },
  };
}

/** The live copy: the desired object plus what the server adds, and our managedFields entry. */
function liveOf<T extends KubernetesObject>(
  desired: T,
  fields: Record<string, unknown>,
  manager = MANAGER,
): T {
  const live = clone(desired) as T & { status?: unknown };
  live.metadata = {
    ...live.metadata,
    uid: 'c0ffee',
    resourceVersion: '42',
    labels: { ...live.metadata?.labels, 'added-by-someone-else': 'yes' },
    managedFields: [
      { manager: 'kube-controller-manager', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} },
      { manager, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: fields },
    ],
  };
  live.status = { observedGeneration: 1 };
  return live;
}

describe('firstDifference (desired ⊆ live)', () => {
  it('finds nothing when the live object holds every desired field, plus server additions', () => {
    const live = clone(deployment);
    const spec = live.spec?.template.spec;
    if (!spec) throw new Error('no pod spec');
    spec.dnsPolicy = 'ClusterFirst';
    spec.containers[0]!.terminationMessagePath = '/dev/termination-log';
    spec.containers[0]!.readinessProbe!.successThreshold = 1;
    spec.containers.push({ name: 'sidecar-injected', image: 'mesh:1' });
    expect(firstDifference(deployment, live)).toBeUndefined();
  });

  it('reports a changed value, a missing field and an edited pod template by path', () => {
    const edited = clone(configMap);
    edited.data = { ...edited.data, 'config.json': '{}' };
    expect(firstDifference(configMap, edited)).toBe('data.config.json');

    const missing = clone(deployment);
    delete missing.spec?.template.metadata?.annotations;
    expect(firstDifference(deployment, missing)).toBe('spec.template.metadata.annotations');

    const podEdit = clone(deployment);
    podEdit.spec!.template.spec!.automountServiceAccountToken = true;
    expect(firstDifference(deployment, podEdit)).toBe('spec.template.spec.automountServiceAccountToken');
  });

  it('matches containers, env and volumes by name, whatever their order', () => {
    const live = clone(deployment);
    const spec = live.spec!.template.spec!;
    spec.volumes!.reverse();
    spec.containers[0]!.env!.reverse();
    expect(firstDifference(deployment, live)).toBeUndefined();

    const envName = container()!.env![0]!.name;
    spec.containers[0]!.env!.find((e) => e.name === envName)!.value = 'changed';
    expect(firstDifference(deployment, live)).toBe(
      `spec.template.spec.containers[worker].env[${envName}].value`,
    );
  });

  it('compares other arrays by position and length (atomic lists)', () => {
    const extraArg = clone(deployment);
    extraArg.spec!.template.spec!.containers[0]!.args!.push('--debug');
    expect(firstDifference(deployment, extraArg)).toBe('spec.template.spec.containers[worker].args');

    const reordered = clone(deployment);
    reordered.spec!.template.spec!.containers[0]!.securityContext!.capabilities!.drop = ['NET_RAW'];
    expect(firstDifference(deployment, reordered)).toBe(
      'spec.template.spec.containers[worker].securityContext.capabilities.drop[0]',
    );
  });

  it('treats a normalized quantity as different (a harmless apply, never a missed one)', () => {
    expect(firstDifference({ cpu: '0.5' }, { cpu: '500m' })).toBe('cpu');
    expect(firstDifference({ port: 8080 }, { port: '8080' })).toBe('port');
  });

  it('treats a desired element without a unique name as positional', () => {
    expect(
      firstDifference({ ports: [{ port: 1 }, { port: 2 }] }, { ports: [{ port: 2 }, { port: 1 }] }),
    ).toBe('ports[0].port');
  });
});

describe('firstUncoveredField (fields we own but no longer render)', () => {
  it('finds nothing when every owned field is rendered', () => {
    expect(firstUncoveredField(configMapFields(configMap), configMap)).toBeUndefined();
  });

  it('reports an owned map field, list-map element or set element the desired object dropped', () => {
    const fields = {
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"worker"}': {
                '.': {},
                'f:env': { 'k:{"name":"GONE"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
              },
            },
          },
        },
      },
    };
    expect(firstUncoveredField(fields, deployment)).toBe(
      '/f:spec/f:template/f:spec/f:containers/k:{"name":"worker"}/f:env/k:{"name":"GONE"}',
    );
    const limits = { 'f:resources': { 'f:limits': { 'f:cpu': {} } } };
    expect(firstUncoveredField(limits, { resources: { limits: { cpu: '1' } } })).toBeUndefined();
    expect(firstUncoveredField(limits, { resources: { limits: { memory: '1Gi' } } })).toBe(
      '/f:resources/f:limits/f:cpu',
    );
    const finalizers = { 'f:finalizers': { 'v:"a"': {} } };
    expect(firstUncoveredField(finalizers, { finalizers: ['b', 'a'] })).toBeUndefined();
    expect(firstUncoveredField(finalizers, { finalizers: ['b'] })).toBe('/f:finalizers/v:"a"');
  });

  it('matches list-map keys with several fields, numbers included', () => {
    const fields = { 'f:ports': { 'k:{"containerPort":9464,"protocol":"TCP"}': { 'f:name': {} } } };
    expect(
      firstUncoveredField(fields, { ports: [{ containerPort: 9464, protocol: 'TCP', name: 'm' }] }),
    ).toBe(undefined);
    expect(
      firstUncoveredField(fields, { ports: [{ containerPort: 9464, protocol: 'UDP', name: 'm' }] }),
    ).toBe('/f:ports/k:{"containerPort":9464,"protocol":"TCP"}');
  });

  it('counts an element it cannot read as not rendered', () => {
    expect(firstUncoveredField({ 'f:a': { 'x:weird': {} } }, { a: [1] })).toBe('/f:a/x:weird');
    expect(firstUncoveredField({ 'f:a': { 'k:{broken': {} } }, { a: [1] })).toBe('/f:a/k:{broken');
  });
});

describe('applyReason', () => {
  const live = liveOf(configMap, configMapFields(configMap));

  it('skips (undefined) when the cached object already holds the desired one and nothing more of ours', () => {
    expect(applyReason(configMap, live, MANAGER)).toBeUndefined();
  });

  it('ignores the apiVersion and kind a listed item lacks', () => {
    const listed = clone(live);
    delete listed.apiVersion;
    delete listed.kind;
    expect(applyReason(configMap, listed, MANAGER)).toBeUndefined();
  });

  it('applies an object missing from the cache or being deleted', () => {
    expect(applyReason(configMap, undefined, MANAGER)).toBe('not in the cache');
    const deleting = clone(live);
    deleting.metadata!.deletionTimestamp = new Date();
    expect(applyReason(configMap, deleting, MANAGER)).toBe('being deleted');
  });

  it('applies on drift or on a new desired value', () => {
    const drifted = clone(live);
    drifted.data = { 'config.json': '{}' };
    expect(applyReason(configMap, drifted, MANAGER)).toBe('differs at data.config.json');
    const changed = clone(configMap);
    changed.data = { ...changed.data, extra: 'x' };
    expect(applyReason(changed, live, MANAGER)).toBe('differs at data.extra');
  });

  it('applies when a field we applied before is no longer rendered (the apply removes it)', () => {
    const before = clone(configMap);
    before.data = { ...before.data, old: 'x' };
    const liveWithOld = liveOf(before, configMapFields(before));
    expect(applyReason(configMap, liveWithOld, MANAGER)).toBe(
      'owns a field no longer rendered: /f:data/f:old',
    );
  });

  it('applies when the object carries no apply of our field manager', () => {
    expect(applyReason(configMap, liveOf(configMap, configMapFields(configMap), 'kubectl'), MANAGER)).toBe(
      'no managed fields of ours',
    );
    const stripped = clone(live);
    delete stripped.metadata!.managedFields;
    expect(applyReason(configMap, stripped, MANAGER)).toBe('no managed fields of ours');
  });
});

describe('mustReplace (#18: metrics Services became headless)', () => {
  const service = objects.service;
  it('replaces a Service that still holds a virtual IP, and nothing else', () => {
    expect(service.spec?.clusterIP).toBe('None');
    const withIp = { ...clone(service), spec: { ...clone(service).spec, clusterIP: '10.0.3.7' } };
    expect(mustReplace(service, withIp)).toBe(true);
    expect(mustReplace(service, clone(service))).toBe(false);
    expect(mustReplace(service, undefined)).toBe(false);
    expect(mustReplace(configMap, clone(configMap))).toBe(false);
  });
});
