// The monitoring files shipped with the chart, rendered from the pure builders.
// src/monitoring/generate-artifacts.ts writes them; test/unit/monitoring/artifacts.test.ts fails when stale.
import { stringify } from 'yaml';
import { alertRuleGroups } from './alert-rules.ts';
import { buildDashboard } from './dashboard.ts';

export const PROMETHEUS_RULES_FILE = 'charts/inventorybot-operator/files/prometheus-rules.yaml';
export const DASHBOARD_FILE = 'charts/inventorybot-operator/files/dashboards/inventorybot.json';

const HEADER =
  '# Generated from src/monitoring by `node src/monitoring/generate-artifacts.ts`. Do not edit.\n';

/** Plain Prometheus rule file (rule_files:), for Prometheus without the operator. */
export function renderPrometheusRules(): string {
  return `${HEADER}# Default SLO thresholds; one alert per (namespace, job). The operator renders per-bot rules instead.\n${stringify({ groups: alertRuleGroups() }, { lineWidth: 0 })}`;
}

/** Grafana dashboard JSON (the chart wraps it in a ConfigMap labelled for the Grafana sidecar). */
export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

export interface Artifact {
  path: string;
  render: () => string;
}

export const ARTIFACTS: Artifact[] = [
  { path: PROMETHEUS_RULES_FILE, render: renderPrometheusRules },
  { path: DASHBOARD_FILE, render: renderDashboard },
];
