// Request path → what the external metrics server does with it. Pure, so it is unit tested.
import { EXTERNAL_METRICS_GROUP, EXTERNAL_METRICS_VERSION, SERVED_METRICS } from './api-documents.ts';

export type Route =
  | { kind: 'health' }
  | { kind: 'apiGroupList' }
  | { kind: 'apiGroup' }
  | { kind: 'apiResourceList' }
  | { kind: 'openApiV2' }
  | { kind: 'openApiV3' }
  | { kind: 'metric'; namespace: string; metric: string; labelSelector: string }
  | { kind: 'error'; code: 404 | 405; message: string };

const GROUP_PATH = `/apis/${EXTERNAL_METRICS_GROUP}`;
const VERSION_PATH = `${GROUP_PATH}/${EXTERNAL_METRICS_VERSION}`;
/** DNS-1123 label, what a namespace name is. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function route(method: string, url: string): Route {
  const parsed = new URL(url, 'https://localhost');
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  if (method !== 'GET' && method !== 'HEAD') {
    return { kind: 'error', code: 405, message: `${method} is not supported: this API is read only` };
  }
  switch (path) {
    case '/healthz':
    case '/readyz':
    case '/livez':
      return { kind: 'health' };
    case '/apis':
      return { kind: 'apiGroupList' };
    case GROUP_PATH:
      return { kind: 'apiGroup' };
    case VERSION_PATH:
      return { kind: 'apiResourceList' };
    case '/openapi/v2':
      return { kind: 'openApiV2' };
    case '/openapi/v3':
      return { kind: 'openApiV3' };
  }
  const m = new RegExp(`^${VERSION_PATH.replace(/\./g, '\\.')}/namespaces/([^/]+)/([^/]+)$`).exec(path);
  if (m) {
    const namespace = decodeURIComponent(m[1] as string);
    const metric = decodeURIComponent(m[2] as string);
    if (!NAMESPACE.test(namespace)) {
      return { kind: 'error', code: 404, message: `invalid namespace "${namespace}"` };
    }
    if (!SERVED_METRICS.includes(metric)) {
      return {
        kind: 'error',
        code: 404,
        message: `external metric "${metric}" is not served here (served: ${SERVED_METRICS.join(', ')})`,
      };
    }
    return {
      kind: 'metric',
      namespace,
      metric,
      labelSelector: parsed.searchParams.get('labelSelector') ?? '',
    };
  }
  return { kind: 'error', code: 404, message: `the server could not find the requested resource ${path}` };
}
