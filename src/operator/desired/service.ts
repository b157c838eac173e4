// spec.monitoring.metricsPort → a ClusterIP Service with the named `metrics` port, for scraping.
import type { V1Service } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { WORKER_METRICS_PORT_NAME } from '../../api/names.ts';
import { ownedMetadata, selectorLabels } from './labels.ts';
import { workloadName } from './object-names.ts';

export function desiredService(bot: InventoryBot): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(bot),
      ports: [
        {
          name: WORKER_METRICS_PORT_NAME,
          port: bot.spec.monitoring.metricsPort,
          targetPort: WORKER_METRICS_PORT_NAME,
          protocol: 'TCP',
        },
      ],
    },
  };
}
