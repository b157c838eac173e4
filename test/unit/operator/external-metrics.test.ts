// The pure parts of the external metrics server: routing, label selectors, the value list, what the
// queue figures mean to the HPA and to status.queue, and the front-proxy name check.
import { QUEUE_LAG_METRIC } from '../../../src/api/names.ts';
import { apiResourceList } from '../../../src/operator/external-metrics/api-documents.ts';
import {
  botNameFromSelector,
  parseLabelSelector,
  SelectorError,
} from '../../../src/operator/external-metrics/label-selector.ts';
import {
  externalMetricValueList,
  quantity,
} from '../../../src/operator/external-metrics/metric-value-list.ts';
import {
  LagUnknownError,
  outstandingBatches,
  queueStatus,
} from '../../../src/operator/external-metrics/queue-figures.ts';
import {
  checkCommonName,
  parseRequestHeaderAuth,
} from '../../../src/operator/external-metrics/request-header-auth.ts';
import { route } from '../../../src/operator/external-metrics/routes.ts';
import { computeStatus, statusChanged } from '../../../src/operator/status.ts';

const BASE = '/apis/external.metrics.k8s.io/v1beta1';
const stats = { length: 50, lag: 45, pending: 3, oldestPendingSeconds: 12.7, deadLetters: 2, consumers: 1 };

describe('routes', () => {
  it('routes discovery, health and OpenAPI paths', () => {
    expect(route('GET', '/apis')).toEqual({ kind: 'apiGroupList' });
    expect(route('GET', '/apis/external.metrics.k8s.io')).toEqual({ kind: 'apiGroup' });
    expect(route('GET', `${BASE}/`)).toEqual({ kind: 'apiResourceList' });
    expect(route('GET', '/healthz')).toEqual({ kind: 'health' });
    expect(route('GET', '/readyz?verbose')).toEqual({ kind: 'health' });
    expect(route('GET', '/openapi/v2')).toEqual({ kind: 'openApiV2' });
  });

  it('routes a metric request with its namespace and decoded label selector', () => {
    const url = `${BASE}/namespaces/stores/${QUEUE_LAG_METRIC}?labelSelector=app.kubernetes.io%2Finstance%3Dshop`;
    expect(route('GET', url)).toEqual({
      kind: 'metric',
      namespace: 'stores',
      metric: QUEUE_LAG_METRIC,
      labelSelector: 'app.kubernetes.io/instance=shop',
    });
  });

  it('answers 404 for unknown metrics, namespaces and paths, 405 for writes', () => {
    expect(route('GET', `${BASE}/namespaces/stores/cpu_usage`)).toMatchObject({ kind: 'error', code: 404 });
    expect(route('GET', `${BASE}/namespaces/Not_A_Namespace/${QUEUE_LAG_METRIC}`)).toMatchObject({
      kind: 'error',
      code: 404,
    });
    expect(route('GET', '/api/v1/pods')).toMatchObject({ kind: 'error', code: 404 });
    expect(route('POST', `${BASE}/namespaces/stores/${QUEUE_LAG_METRIC}`)).toMatchObject({ code: 405 });
  });

  it('lists the queue lag metric as a namespaced resource', () => {
    expect(apiResourceList().resources).toEqual([
      expect.objectContaining({ name: QUEUE_LAG_METRIC, namespaced: true, verbs: ['get'] }),
    ]);
  });
});

describe('label selectors', () => {
  it('parses equality, set and existence terms', () => {
    expect(parseLabelSelector('a=1, b!=2,c in (x, y),d notin (z),e,!f')).toEqual([
      { key: 'a', operator: 'in', values: ['1'] },
      { key: 'b', operator: 'notin', values: ['2'] },
      { key: 'c', operator: 'in', values: ['x', 'y'] },
      { key: 'd', operator: 'notin', values: ['z'] },
      { key: 'e', operator: 'exists' },
      { key: 'f', operator: '!' },
    ]);
  });

  it('finds the bot in the forms the HPA sends', () => {
    expect(botNameFromSelector('app.kubernetes.io/instance=shop')).toBe('shop');
    expect(botNameFromSelector('app.kubernetes.io/instance==shop')).toBe('shop');
    expect(botNameFromSelector('app.kubernetes.io/instance in (shop),tier=a')).toBe('shop');
  });

  it('refuses selectors that do not name exactly one bot', () => {
    for (const bad of [
      '',
      'tier=a',
      'app.kubernetes.io/instance in (a,b)',
      'app.kubernetes.io/instance!=a',
      'a=1,app.kubernetes.io/instance=x,app.kubernetes.io/instance=y',
      '=(',
    ]) {
      expect(() => botNameFromSelector(bad)).toThrow(SelectorError);
    }
  });
});

describe('metric values', () => {
  it('builds an ExternalMetricValueList labelled with the bot', () => {
    const list = externalMetricValueList(QUEUE_LAG_METRIC, 'shop', 48, new Date('2030-01-02T03:04:05.678Z'));
    expect(list).toEqual({
      kind: 'ExternalMetricValueList',
      apiVersion: 'external.metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metricName: QUEUE_LAG_METRIC,
          metricLabels: { 'app.kubernetes.io/instance': 'shop' },
          timestamp: '2030-01-02T03:04:05Z',
          value: '48',
        },
      ],
    });
  });

  it('writes quantities as integers or milli-units, and refuses negatives', () => {
    expect(quantity(0)).toBe('0');
    expect(quantity(1.5)).toBe('1500m');
    expect(() => quantity(-1)).toThrow(RangeError);
  });

  it('counts lag plus pending as outstanding, and refuses an unknown lag', () => {
    expect(outstandingBatches(stats)).toBe(48);
    expect(() => outstandingBatches({ ...stats, lag: undefined })).toThrow(LagUnknownError);
  });

  it('maps the stats to status.queue with whole seconds', () => {
    expect(queueStatus(stats)).toEqual({
      length: 50,
      lag: 45,
      pending: 3,
      deadLetters: 2,
      oldestPendingSeconds: 12,
      outstanding: 48,
      eta: 'unknown',
    });
    expect(queueStatus(stats, 4)).toMatchObject({ throughputPerSecond: 4, drainSeconds: 12, eta: '12s' });
    expect(queueStatus({ ...stats, lag: undefined })).not.toHaveProperty('lag');
  });
});

describe('status.queue', () => {
  const base = {
    generation: 1,
    deployment: undefined,
    horizontalPodAutoscaler: undefined,
    problems: [],
    now: new Date('2030-01-01T00:00:00Z'),
  };

  it('keeps the previous figures when the queue was not read, and writes when they change', () => {
    const first = computeStatus({ ...base, previous: undefined, queue: queueStatus(stats) });
    expect(first.queue?.lag).toBe(45);
    const unread = computeStatus({ ...base, previous: first, queue: undefined });
    expect(unread.queue).toEqual(first.queue);
    expect(statusChanged(first, unread)).toBe(false);
    const moved = computeStatus({ ...base, previous: first, queue: queueStatus({ ...stats, lag: 0 }) });
    expect(statusChanged(first, moved)).toBe(true);
  });
});

describe('request-header authentication', () => {
  it('reads the CA and allowed names from the extension-apiserver-authentication ConfigMap', () => {
    const auth = parseRequestHeaderAuth({
      'requestheader-client-ca-file': 'PEM',
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
    });
    expect(auth).toEqual({
      clientCa: 'PEM',
      allowedNames: ['front-proxy-client'],
      usernameHeaders: ['X-Remote-User'],
    });
    expect(() => parseRequestHeaderAuth({ 'client-ca-file': 'PEM' })).toThrow(/requestheader-client-ca-file/);
  });

  it('accepts only allowed common names, any when none are listed', () => {
    expect(checkCommonName('front-proxy-client', ['front-proxy-client'])).toEqual({
      ok: true,
      proxy: 'front-proxy-client',
    });
    expect(checkCommonName('admin', ['front-proxy-client'])).toMatchObject({ ok: false, code: 403 });
    expect(checkCommonName('anyone', [])).toMatchObject({ ok: true });
  });
});
