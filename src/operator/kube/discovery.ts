// Which optional kinds the cluster serves (Prometheus Operator CRDs), asked through discovery and
// remembered for a while so installing the CRDs later is noticed without a restart.
import type { V1APIGroupList } from '@kubernetes/client-node';
import { MONITORING_API_VERSION } from '../desired/monitoring-object.ts';
import type { KubeAccess } from './kube-access.ts';
import { kubeRequest } from './kube-request.ts';

export interface MonitoringKinds {
  serviceMonitor: boolean;
  prometheusRule: boolean;
}

export function monitoringDiscovery(
  kubeConfig: KubeAccess,
  ttlMs = 5 * 60_000,
): () => Promise<MonitoringKinds> {
  let cached: { at: number; kinds: MonitoringKinds } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.kinds;
    const groups = await kubeRequest<V1APIGroupList>(kubeConfig, { method: 'GET', path: '/apis' });
    const served = new Set(groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion)));
    // The group exists only when the Prometheus Operator CRDs are installed; both kinds come together.
    const present = served.has(MONITORING_API_VERSION);
    const kinds = { serviceMonitor: present, prometheusRule: present };
    cached = { at: Date.now(), kinds };
    return kinds;
  };
}
