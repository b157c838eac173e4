// What the operator watches: InventoryBots, and the kinds it owns, label-scoped to managed-by so the
// caches hold only the operator's own objects (pods included: their labels come from the template).
import { API_VERSION, GROUP, PLURAL, VERSION } from '../../api/names.ts';
import { MANAGED_BY_SELECTOR } from '../desired/labels.ts';

export interface WatchedResource {
  /** Plural, as in the API path and the metric label. */
  resource: string;
  apiVersion: string;
  kind: string;
  basePath: string;
  labelSelector?: string;
}

export const BOTS: WatchedResource = {
  resource: PLURAL,
  apiVersion: API_VERSION,
  kind: 'InventoryBot',
  basePath: `/apis/${GROUP}/${VERSION}`,
};

const owned = (resource: string, apiVersion: string, kind: string): WatchedResource => ({
  resource,
  apiVersion,
  kind,
  basePath: apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`,
  labelSelector: MANAGED_BY_SELECTOR,
});

export const CONFIG_MAPS = owned('configmaps', 'v1', 'ConfigMap');
export const SERVICES = owned('services', 'v1', 'Service');
export const DEPLOYMENTS = owned('deployments', 'apps/v1', 'Deployment');
export const HORIZONTAL_POD_AUTOSCALERS = owned(
  'horizontalpodautoscalers',
  'autoscaling/v2',
  'HorizontalPodAutoscaler',
);
export const POD_DISRUPTION_BUDGETS = owned('poddisruptionbudgets', 'policy/v1', 'PodDisruptionBudget');
export const PODS = owned('pods', 'v1', 'Pod');

export const OWNED_RESOURCES = [
  CONFIG_MAPS,
  SERVICES,
  DEPLOYMENTS,
  HORIZONTAL_POD_AUTOSCALERS,
  POD_DISRUPTION_BUDGETS,
  PODS,
];

export function watchPath(resource: WatchedResource, namespace: string | undefined): string {
  return namespace
    ? `${resource.basePath}/namespaces/${namespace}/${resource.resource}`
    : `${resource.basePath}/${resource.resource}`;
}
