// spec.monitoring.serviceMonitor → a ServiceMonitor scraping the `metrics` port (only when the
// Prometheus Operator CRDs exist; the reconciler asks discovery).
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { WORKER_METRICS_PORT_NAME, WORKER_PROBE_PATHS } from '../../api/names.ts';
import { ownedMetadata, selectorLabels } from './labels.ts';
import { MONITORING_API_VERSION, type MonitoringObject } from './monitoring-object.ts';
import { workloadName } from './object-names.ts';

export function desiredServiceMonitor(bot: InventoryBot): MonitoringObject | undefined {
  if (!bot.spec.monitoring.serviceMonitor) return undefined;
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'ServiceMonitor',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: {
      selector: { matchLabels: selectorLabels(bot) },
      endpoints: [{ port: WORKER_METRICS_PORT_NAME, path: WORKER_PROBE_PATHS.metrics, interval: '30s' }],
    },
  };
}
