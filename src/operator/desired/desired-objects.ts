// Everything one InventoryBot should own, from its spec alone. Optional objects are undefined when
// the spec (or the cluster, for monitoring CRDs) says there should be none.
import type {
  V1ConfigMap,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { configHash } from './config-hash.ts';
import { desiredConfigMap } from './config-map.ts';
import { desiredDeployment } from './deployment.ts';
import { desiredHorizontalPodAutoscaler } from './horizontal-pod-autoscaler.ts';
import type { MonitoringObject } from './monitoring-object.ts';
import { desiredPodDisruptionBudget } from './pod-disruption-budget.ts';
import { desiredPrometheusRule } from './prometheus-rule.ts';
import { desiredService } from './service.ts';
import { desiredServiceMonitor } from './service-monitor.ts';

export interface DesiredObjectsOptions {
  externalMetrics: boolean;
  /** Which Prometheus Operator kinds the cluster serves. */
  monitoringKinds: { serviceMonitor: boolean; prometheusRule: boolean };
  /** The autoscaler floor held while the queue is unreadable or intake paused (#15). */
  heldReplicas?: number;
}

export interface DesiredObjects {
  configMap: V1ConfigMap;
  deployment: V1Deployment;
  service: V1Service;
  horizontalPodAutoscaler: V2HorizontalPodAutoscaler;
  podDisruptionBudget: V1PodDisruptionBudget | undefined;
  serviceMonitor: MonitoringObject | undefined;
  prometheusRule: MonitoringObject | undefined;
}

export function desiredObjects(bot: InventoryBot, options: DesiredObjectsOptions): DesiredObjects {
  const configMap = desiredConfigMap(bot);
  return {
    configMap,
    deployment: desiredDeployment(bot, { configHash: configHash(configMap.data ?? {}) }),
    service: desiredService(bot),
    horizontalPodAutoscaler: desiredHorizontalPodAutoscaler(bot, options),
    podDisruptionBudget: desiredPodDisruptionBudget(bot),
    serviceMonitor: options.monitoringKinds.serviceMonitor ? desiredServiceMonitor(bot) : undefined,
    prometheusRule: options.monitoringKinds.prometheusRule ? desiredPrometheusRule(bot) : undefined,
  };
}
