// spec.monitoring.metricsPort → a headless Service with the named `metrics` port, for scraping.
// Headless (#14, #18): Prometheus scrapes each pod through the endpoints anyway; a virtual IP per bot
// served nothing and made 1,000 bots exhaust a cluster's Service range.
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
      clusterIP: 'None',
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
