// Prometheus Operator objects have no client-node types: a Kubernetes object with a free-form spec.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

export const MONITORING_API_VERSION = 'monitoring.coreos.com/v1';

export interface MonitoringObject extends KubernetesObject {
  apiVersion: string;
  kind: 'ServiceMonitor' | 'PrometheusRule';
  metadata: V1ObjectMeta;
  spec: Record<string, unknown>;
}
