// spec.slo → a PrometheusRule with the SLO alerts (only when the Prometheus Operator CRDs exist).
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { METRICS } from '../../worker/metric-names.ts';
import { ownedMetadata } from './labels.ts';
import { MONITORING_API_VERSION, type MonitoringObject } from './monitoring-object.ts';
import { workloadName } from './object-names.ts';

interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}

export function desiredPrometheusRule(bot: InventoryBot): MonitoringObject | undefined {
  if (!bot.spec.monitoring.prometheusRule) return undefined;
  return {
    apiVersion: MONITORING_API_VERSION,
    kind: 'PrometheusRule',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: { groups: [{ name: `inventorybot.${bot.metadata.name}.slo`, rules: sloAlerts(bot) }] },
  };
}

function sloAlerts(bot: InventoryBot): AlertRule[] {
  const { slo, scaling } = bot.spec;
  const { name, namespace } = bot.metadata;
  // The ServiceMonitor's targets carry namespace and service labels.
  const sel = `namespace="${namespace}",service="${workloadName(name)}"`;
  const rate = (metric: string, extra = '', window = '5m') =>
    `sum(rate(${metric}{${sel}${extra}}[${window}]))`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (rate(${METRICS.batchDurationSeconds}_bucket{${sel}}[5m])))`;
  const who = `InventoryBot ${namespace}/${name}`;
  const rules: AlertRule[] = [
    {
      alert: 'InventoryBotAvailabilityLow',
      expr: `${rate(METRICS.batchesTotal, ',outcome="success"', '1h')} / ${rate(METRICS.batchesTotal, '', '1h')} < ${slo.availabilityPercent / 100}`,
      for: '5m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `${who}: successful batches below ${slo.availabilityPercent}% over the last hour`,
        description:
          'Check the upstream API, the dead-letter stream and the worker logs (batch_error events).',
      },
    },
    {
      alert: 'InventoryBotErrorRateHigh',
      expr: `${rate(METRICS.itemsTotal, ',outcome=~"failed|dead_lettered"')} / ${rate(METRICS.itemsTotal)} > ${slo.errorRatePercent / 100}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: item error rate above ${slo.errorRatePercent}%`,
        description: 'inventorybot_errors_total by error_code shows which upstream errors dominate.',
      },
    },
    {
      alert: 'InventoryBotRetryRateHigh',
      expr: `${rate(METRICS.retriesTotal)} / ${rate(METRICS.itemsTotal)} > ${slo.retryRatePercent / 100}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: retries above ${slo.retryRatePercent}% of items`,
        description:
          'The upstream is slow or failing transiently; check its latency and the circuit breaker.',
      },
    },
    {
      alert: 'InventoryBotBatchLatencyP95High',
      expr: `${quantile(0.95)} > ${slo.batchP95Seconds}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: batch p95 above ${slo.batchP95Seconds}s`,
        description: 'Batches take longer than the SLO; check upstream latency and worker CPU.',
      },
    },
    {
      alert: 'InventoryBotBatchLatencyP99High',
      expr: `${quantile(0.99)} > ${slo.batchP99Seconds}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: batch p99 above ${slo.batchP99Seconds}s`,
        description: 'The slowest batches exceed the SLO; check upstream latency and retries.',
      },
    },
    {
      alert: 'InventoryBotConsecutiveFailures',
      expr: `max(${METRICS.consecutiveFailedBatches}{${sel}}) >= ${slo.consecutiveFailures}`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: `${who}: ${slo.consecutiveFailures} or more batches failed in a row`,
        description: 'Every batch is failing: the upstream is probably down or rejecting the credentials.',
      },
    },
    {
      alert: 'InventoryBotDeadLettersGrowing',
      expr: `sum(increase(${METRICS.deadLettersTotal}{${sel}}[15m])) > 0`,
      for: '0m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: new entries in the dead-letter stream`,
        description: 'Inspect them with `inventorybot dlq list` and replay after fixing the cause.',
      },
    },
  ];
  if (scaling.queueLagPerReplica > 0) {
    rules.push({
      alert: 'InventoryBotQueueLagHigh',
      expr: `max(${METRICS.queueLag}{${sel}}) / max(count(up{${sel}} == 1), 1) > ${scaling.queueLagPerReplica}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: `${who}: queue lag per worker above ${scaling.queueLagPerReplica}`,
        description: `The workers do not keep up; the autoscaler is capped at ${scaling.maxReplicas} replicas.`,
      },
    });
  }
  return rules;
}
