import { readFileSync } from 'node:fs';
import {
  ALERT_NAMES,
  alertDefinitions,
  alertRuleGroups,
  DEFAULT_SLO,
  runbookAnchor,
  SLO_SERIES,
} from '../../../src/monitoring/alert-rules.ts';
import {
  ARTIFACTS,
  PROMETHEUS_RULES_FILE,
  renderPrometheusRules,
} from '../../../src/monitoring/artifacts.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';

const rulesOf = (options: Parameters<typeof alertRuleGroups>[0] = {}) => alertRuleGroups(options)[0].rules;
const ruleNamed = (rules: ReturnType<typeof rulesOf>, alert: string) => {
  const rule = rules.find((r) => r.alert === alert);
  if (!rule) throw new Error(`no rule ${alert}`);
  return rule;
};

describe('alert rules', () => {
  it('has every alert of the monitoring plan once, with severity, summary, description and runbook', () => {
    const rules = rulesOf();
    expect(rules.map((r) => r.alert).sort()).toEqual(Object.values(ALERT_NAMES).sort());
    for (const rule of rules) {
      expect(['warning', 'critical']).toContain(rule.labels.severity);
      expect(rule.annotations.summary).toMatch(/\{\{ \$labels\.namespace \}\}\/\{\{ \$labels\.job \}\}/);
      expect(rule.annotations.description.length).toBeGreaterThan(40);
      expect(rule.annotations.runbook_url).toMatch(new RegExp(`README\\.md#${runbookAnchor(rule.alert)}$`));
      expect(rule.for).toMatch(/^\d+[mh]$/);
    }
  });

  it('uses the DESIGN.md thresholds by default', () => {
    expect(DEFAULT_SLO).toMatchObject({
      availabilityPercent: 99.5,
      batchP95Seconds: 0.3,
      batchP99Seconds: 0.5,
      errorRatePercent: 2,
      consecutiveFailures: 5,
    });
    const rules = rulesOf();
    expect(ruleNamed(rules, ALERT_NAMES.errorRate).expr).toMatch(/ > 0\.02$/);
    expect(ruleNamed(rules, ALERT_NAMES.retryRate).expr).toMatch(/ > 0\.07$/);
    expect(ruleNamed(rules, ALERT_NAMES.latencyP95).expr).toMatch(/^histogram_quantile\(0\.95,.* > 0\.3$/);
    expect(ruleNamed(rules, ALERT_NAMES.latencyP99).expr).toMatch(/^histogram_quantile\(0\.99,.* > 0\.5$/);
    expect(ruleNamed(rules, ALERT_NAMES.consecutiveFailures).expr).toBe(
      `max by (namespace, job) (${METRICS.consecutiveFailedBatches}) >= 5`,
    );
    expect(ruleNamed(rules, ALERT_NAMES.availability).expr).toMatch(/\[1h\].* < 0\.995$/);
    expect(ruleNamed(rules, ALERT_NAMES.queueLag).expr).toMatch(/ > 100$/);
  });

  it('takes thresholds from spec.slo without float noise', () => {
    const rules = rulesOf({
      slo: {
        availabilityPercent: 99.9,
        errorRatePercent: 0.7,
        batchP95Seconds: 0.25,
        consecutiveFailures: 3,
      },
      queueLagPerReplica: 40,
    });
    expect(ruleNamed(rules, ALERT_NAMES.availability).expr).toMatch(/ < 0\.999$/);
    expect(ruleNamed(rules, ALERT_NAMES.errorRate).expr).toMatch(/ > 0\.007$/);
    expect(ruleNamed(rules, ALERT_NAMES.errorRate).annotations.summary).toContain('above 0.7%');
    expect(ruleNamed(rules, ALERT_NAMES.latencyP95).expr).toMatch(/ > 0\.25$/);
    expect(ruleNamed(rules, ALERT_NAMES.consecutiveFailures).expr).toMatch(/ >= 3$/);
    expect(ruleNamed(rules, ALERT_NAMES.queueLag).expr).toMatch(/ > 40$/);
  });

  it('restricts every metric to one bot when given a selector', () => {
    const sel = 'namespace="shop",service="bot"';
    const rules = rulesOf({ selector: sel, groupBy: ['namespace', 'service'] });
    for (const rule of rules) {
      // Every metric reference carries the selector (up, the worker metrics and the histogram buckets).
      const refs = rule.expr.match(/\b(inventorybot_[a-z_]+|up)\b(\{[^}]*\})?/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).toContain(`{${sel}`);
      expect(rule.annotations.summary).toContain('{{ $labels.namespace }}/{{ $labels.service }}');
      expect(rule.expr).not.toContain('job');
    }
  });

  it('records a bot’s own thresholds as series labelled like its targets, for the dashboard (per-bot rules only)', () => {
    expect(alertRuleGroups()).toHaveLength(1);
    const [, thresholds] = alertRuleGroups({
      selector: 'namespace="shop",service="b\\"ot"',
      groupBy: ['namespace', 'service'],
      slo: { errorRatePercent: 0.5, batchP95Seconds: 0.25 },
      groupName: 'inventorybot.b.slo',
    });
    expect(thresholds?.name).toBe('inventorybot.b.slo-thresholds');
    const labels = { namespace: 'shop', service: 'b"ot', job: 'b"ot' };
    expect(thresholds?.rules).toEqual([
      { record: SLO_SERIES.errorRatePercent, expr: 'vector(0.5)', labels },
      { record: SLO_SERIES.retryRatePercent, expr: 'vector(7)', labels },
      { record: SLO_SERIES.batchP95Seconds, expr: 'vector(0.25)', labels },
      { record: SLO_SERIES.batchP99Seconds, expr: 'vector(0.5)', labels },
      { record: SLO_SERIES.availabilityPercent, expr: 'vector(99.5)', labels },
    ]);
  });

  it('leaves the queue lag alert out when the bot scales on CPU only', () => {
    expect(rulesOf({ queueLagPerReplica: 0 }).map((r) => r.alert)).not.toContain(ALERT_NAMES.queueLag);
  });

  it('offers probes that are sub-expressions of the alert', () => {
    for (const def of alertDefinitions()) {
      expect(def.probes.length).toBeGreaterThan(0);
      for (const probe of def.probes) expect(def.rule.expr).toContain(probe);
    }
  });
});

describe('generated monitoring files', () => {
  it.each(ARTIFACTS.map((a) => [a.path, a] as const))(
    '%s matches its source (run `node_modules/.bin/node src/monitoring/generate-artifacts.ts`)',
    (_path, artifact) => {
      expect(readFileSync(artifact.path, 'utf8')).toBe(artifact.render());
    },
  );

  it('ships the rules file as a plain Prometheus rule file', () => {
    expect(ARTIFACTS.map((a) => a.path)).toContain(PROMETHEUS_RULES_FILE);
    expect(renderPrometheusRules()).toMatch(/^# Generated[\s\S]*\ngroups:\n {2}- name: inventorybot\.slo\n/);
  });
});
