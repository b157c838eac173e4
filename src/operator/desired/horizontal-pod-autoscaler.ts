// spec.scaling → autoscaling/v2 HPA on CPU, plus queue lag (External metric) when the operator serves it.
import type { V2HorizontalPodAutoscaler, V2MetricSpec } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { LABELS, QUEUE_LAG_METRIC } from '../../api/names.ts';
import { heldMinReplicas } from '../scaling/replica-hold.ts';
import { ownedMetadata } from './labels.ts';
import { workloadName } from './object-names.ts';

export interface AutoscalerOptions {
  /** The operator serves external.metrics.k8s.io (off by default). */
  externalMetrics: boolean;
  /** A replica hold (#15) raises the floor: CPU can still scale out, nothing collapses to the minimum. */
  heldReplicas?: number;
}

export function desiredHorizontalPodAutoscaler(
  bot: InventoryBot,
  options: AutoscalerOptions,
): V2HorizontalPodAutoscaler {
  const { scaling } = bot.spec;
  const metrics: V2MetricSpec[] = [];
  // A CPU target of 0 scales on queue lag only: an HPA does not scale in while any of its metrics is
  // unreadable, so a cluster without metrics-server needs the CPU metric left out.
  if (scaling.targetCPUUtilizationPercentage > 0) {
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: scaling.targetCPUUtilizationPercentage },
      },
    });
  }
  if (options.externalMetrics && scaling.queueLagPerReplica > 0) {
    metrics.push({
      type: 'External',
      external: {
        metric: {
          name: QUEUE_LAG_METRIC,
          selector: { matchLabels: { [LABELS.instance]: bot.metadata.name } },
        },
        target: { type: 'AverageValue', averageValue: String(scaling.queueLagPerReplica) },
      },
    });
  }
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workloadName(bot.metadata.name) },
      // The HPA refuses 0 unless the alpha HPAScaleToZero gate is on: minReplicas 0 runs one worker.
      minReplicas: heldMinReplicas(scaling, options.heldReplicas),
      maxReplicas: scaling.maxReplicas,
      // No metric at all (CPU 0 without the operator's external metrics): the HPA's own default, 80% CPU.
      ...(metrics.length > 0 ? { metrics } : {}),
      behavior: {
        // #15: the queue says how many workers a burst needs; one step may go all the way to maxReplicas.
        // The HPA's default (+4 pods or x2 per 15 s) takes 2 to 10 in two steps, 15 s apart.
        scaleUp: {
          stabilizationWindowSeconds: scaling.scaleUpStabilizationSeconds,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: scaling.maxReplicas, periodSeconds: 15 }],
        },
        scaleDown: { stabilizationWindowSeconds: scaling.scaleDownStabilizationSeconds },
      },
    },
  };
}
