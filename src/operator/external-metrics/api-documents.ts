// The documents the external metrics API serves about itself: group and resource discovery (what the
// aggregator's availability check and `kubectl api-resources` read), and Status objects for errors.
import { QUEUE_LAG_METRIC } from '../../api/names.ts';

export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
export const EXTERNAL_METRICS_VERSION = 'v1beta1';
export const EXTERNAL_METRICS_GROUP_VERSION = `${EXTERNAL_METRICS_GROUP}/${EXTERNAL_METRICS_VERSION}`;
/** The metrics this server answers for; a request for any other name is a 404. */
export const SERVED_METRICS: readonly string[] = [QUEUE_LAG_METRIC];

const groupVersion = { groupVersion: EXTERNAL_METRICS_GROUP_VERSION, version: EXTERNAL_METRICS_VERSION };

export function apiGroup() {
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: EXTERNAL_METRICS_GROUP,
    versions: [groupVersion],
    preferredVersion: groupVersion,
  };
}

export function apiGroupList() {
  const { kind: _kind, apiVersion: _apiVersion, ...group } = apiGroup();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] };
}

export function apiResourceList() {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: EXTERNAL_METRICS_GROUP_VERSION,
    resources: SERVED_METRICS.map((name) => ({
      name,
      singularName: '',
      namespaced: true,
      kind: 'ExternalMetricValueList',
      verbs: ['get'],
    })),
  };
}

/** A minimal OpenAPI v2 document: the aggregator merges it into the cluster's /openapi/v2. */
export function openApiV2() {
  return {
    swagger: '2.0',
    info: { title: 'InventoryBot external metrics', version: EXTERNAL_METRICS_VERSION },
    paths: {},
  };
}

export const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** A metav1.Status, how API servers (and so kubectl and the HPA) report a failed request. */
export function statusDocument(code: number, message: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: STATUS_REASONS[code] ?? 'Unknown',
    code,
  };
}
