// The operator's per-bot PrometheusRule comes from the same alert rule source, with the bot's spec.slo.
import { ALERT_NAMES, alertRuleGroups } from '../../../src/monitoring/alert-rules.ts';
import { desiredPrometheusRule } from '../../../src/operator/desired/prometheus-rule.ts';
import { sampleBot } from '../../support/sample-bot.ts';

type Rules = Array<{
  name: string;
  rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }>;
}>;

describe('operator PrometheusRule', () => {
  it('uses the bot’s spec.slo and scaling, restricted to its ServiceMonitor targets', () => {
    const bot = sampleBot(
      {
        slo: { errorRatePercent: 1, batchP99Seconds: 0.8, consecutiveFailures: 3 },
        scaling: { queueLagPerReplica: 50 },
      },
      { name: 'shop', namespace: 'stores' },
    );
    const groups = desiredPrometheusRule(bot)?.spec.groups as Rules;
    expect(groups.map((g) => g.name)).toEqual(['inventorybot.shop.slo', 'inventorybot.shop.slo-thresholds']);
    const rules = groups[0]?.rules ?? [];
    expect(rules.map((r) => r.alert).sort()).toEqual(Object.values(ALERT_NAMES).sort());
    const expr = (alert: string) => rules.find((r) => r.alert === alert)?.expr ?? '';
    expect(expr(ALERT_NAMES.errorRate)).toMatch(/ > 0\.01$/);
    expect(expr(ALERT_NAMES.latencyP99)).toMatch(/ > 0\.8$/);
    expect(expr(ALERT_NAMES.consecutiveFailures)).toMatch(/ >= 3$/);
    expect(expr(ALERT_NAMES.queueLag)).toMatch(/ > 50$/);
    for (const rule of rules) {
      expect(rule.expr).toContain('namespace="stores",service="shop"');
      expect(rule.annotations.summary).toContain('{{ $labels.namespace }}/{{ $labels.service }}');
    }
  });

  it('is the shared builder’s output, not a copy', () => {
    const bot = sampleBot();
    const groups = desiredPrometheusRule(bot)?.spec.groups;
    expect(groups).toEqual(
      alertRuleGroups({
        slo: bot.spec.slo,
        selector: 'namespace="stores",service="shop"',
        groupBy: ['namespace', 'service'],
        queueLagPerReplica: bot.spec.scaling.queueLagPerReplica,
        maxReplicas: bot.spec.scaling.maxReplicas,
        groupName: 'inventorybot.shop.slo',
      }),
    );
  });
});
