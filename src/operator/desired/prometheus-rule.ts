// spec.slo → a PrometheusRule with the SLO alerts (only when the Prometheus Operator CRDs exist).
// The rules themselves come from src/monitoring/alert-rules.ts, the one source for every alert rule.
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { alertRuleGroups } from '../../monitoring/alert-rules.ts';
import { botSelector } from '../../monitoring/promql.ts';
import { ownedMetadata } from './labels.ts';
import { MONITORING_API_VERSION, type MonitoringObject } from './monitoring-object.ts';
import { workloadName } from './object-names.ts';

export function desiredPrometheusRule(bot: InventoryBot): MonitoringObject | undefined {
  if (!bot.spec.monitoring.prometheusRule) return undefined;
  const { name, namespace } = bot.metadata;
  const groups = alertRuleGroups({
    slo: bot.spec.slo,
    // The ServiceMonitor's targets carry namespace and service labels.
    selector: botSelector(namespace, workloadName(name), 'service'),
    groupBy: ['namespace', 'service'],
    queueLagPerReplica: bot.spec.scaling.queueLagPerReplica,
    maxReplicas: bot.spec.scaling.maxReplicas,
    groupName: `inventorybot.${name}.slo`,
  });
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PrometheusRule',
    metadata: ownedMetadata(bot, workloadName(name)),
    spec: { groups },
  };
}
