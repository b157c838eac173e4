import { ALERT_NAMES, SLO_SERIES } from '../../../src/monitoring/alert-rules.ts';
import {
  buildDashboard,
  dashboardQueries,
  KUBE_STATE_METRICS,
  OPERATOR_ROW_METRICS,
  type DashboardPanel,
} from '../../../src/monitoring/dashboard.ts';
import { METRICS, PROCESS_METRICS } from '../../../src/contracts/worker-metric-names.ts';

const dashboard = buildDashboard();
const queries = dashboardQueries(dashboard);
const titles = dashboard.panels.map((p) => p.title);

describe('Grafana dashboard', () => {
  it('has the panels the monitoring plan asks for', () => {
    for (const wanted of [
      /items \/ min/i,
      /batches \/ min by outcome/i,
      /error rate %/i,
      /retry rate %/i,
      /batch duration p50 \/ p95 \/ p99/i,
      /queue lag/i,
      /oldest pending/i,
      /dead letters/i,
      /replicas: desired \/ ready/i,
      /cpu per pod/i,
      /memory per pod/i,
      /circuit breaker/i,
      /upstream latency/i,
    ]) {
      expect(titles.some((t) => wanted.test(t))).toBe(true);
    }
  });

  it('is templated by data source, namespace and InventoryBot, and every query uses them', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual([
      'datasource',
      'namespace',
      'bot',
      'operator_namespace',
      'operator',
    ]);
    expect(dashboard.templating.list[2]?.label).toBe('InventoryBot');
    expect(queries.length).toBeGreaterThan(25);
    // The operator row selects the operator's own metrics Service instead.
    const operatorQueries = queries.filter(({ expr }) => expr.includes('job=~"$operator"'));
    expect(operatorQueries.length).toBeGreaterThanOrEqual(6);
    for (const { panel, expr } of queries.filter((q) => !operatorQueries.includes(q))) {
      expect({ panel, expr, namespaced: expr.includes('namespace=~"$namespace"') }).toMatchObject({
        namespaced: true,
      });
      expect({
        panel,
        expr,
        perBot: /(job|deployment|horizontalpodautoscaler)=~"\$bot"|pod=~"\$bot-\.\*"/.test(expr),
      }).toMatchObject({ perBot: true });
    }
  });

  it('references only metrics that exist: the worker’s, its process metrics, kube-state-metrics, up', () => {
    const known = new Set<string>([
      ...Object.values(METRICS),
      ...Object.values(METRICS).map((m) => `${m}_bucket`),
      ...Object.values(PROCESS_METRICS),
      ...Object.values(KUBE_STATE_METRICS),
      ...OPERATOR_ROW_METRICS,
      ...Object.values(SLO_SERIES),
      'up',
    ]);
    const used = new Set(queries.flatMap(({ expr }) => expr.match(/[a-z_:][a-z0-9_:]*(?=\{)/g) ?? []));
    for (const name of used) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
    // Each worker metric that matters for operations shows up somewhere.
    for (const name of [
      METRICS.batchesTotal,
      METRICS.itemsTotal,
      METRICS.retriesTotal,
      METRICS.errorsTotal,
      METRICS.deadLettersTotal,
      METRICS.circuitBreakerState,
      METRICS.queueLag,
      METRICS.queueOldestPendingSeconds,
      `${METRICS.batchDurationSeconds}_bucket`,
      `${METRICS.upstreamRequestDurationSeconds}_bucket`,
    ]) {
      expect(used.has(name)).toBe(true);
    }
  });

  it('draws the SLO thresholds from spec.slo', () => {
    const thresholdOf = (title: string, d = dashboard) => {
      const panel = d.panels.find((p) => p.title === title);
      const steps = (
        panel?.fieldConfig?.defaults as { thresholds: { steps: Array<{ value: number | null }> } }
      ).thresholds.steps;
      return steps[1]?.value;
    };
    expect(thresholdOf('Error rate %')).toBe(2);
    expect(thresholdOf('Batch duration p50 / p95 / p99')).toBe(0.3);
    const strict = buildDashboard({ slo: { errorRatePercent: 0.5, batchP95Seconds: 0.2 } });
    expect(thresholdOf('Error rate %', strict)).toBe(0.5);
    expect(thresholdOf('Batch duration p50 / p95 / p99', strict)).toBe(0.2);
  });

  const panel = (title: string) => dashboard.panels.find((p) => p.title === title) as DashboardPanel;
  const defaults = (p: DashboardPanel) =>
    p.fieldConfig?.defaults as { thresholds: { steps: Array<{ color: string; value: number | null }> } };

  it('shows a red 0 when no worker is up, not No data', () => {
    const up = panel('Workers up');
    expect(up.targets?.[0]?.expr).toMatch(/ or vector\(0\)$/);
    expect(defaults(up).thresholds.steps).toEqual([
      { color: 'red', value: null },
      { color: 'green', value: 1 },
    ]);
  });

  it('breaks rates and latency down per bot, each with its own SLO line (recorded by the operator)', () => {
    for (const [title, record] of [
      ['Error rate %', SLO_SERIES.errorRatePercent],
      ['Retry rate %', SLO_SERIES.retryRatePercent],
      ['Batch duration p50 / p95 / p99', SLO_SERIES.batchP99Seconds],
    ] as const) {
      const p = panel(title);
      const exprs = (p.targets ?? []).map((t) => t.expr);
      expect({ title, perBot: exprs[0]?.includes('by (namespace, job') }).toEqual({ title, perBot: true });
      const slo = p.targets?.find((t) => t.expr.includes(record));
      expect(slo?.legendFormat).toMatch(/^SLO /);
      const override = (p.fieldConfig?.overrides as Array<{ matcher: { options: string } }>)[0];
      expect(new RegExp(override?.matcher.options ?? '^$').test(slo?.legendFormat ?? '')).toBe(true);
    }
  });

  it('draws request and limit lines on the CPU and memory panels', () => {
    for (const title of ['CPU per pod', 'Memory per pod']) {
      const legends = (panel(title).targets ?? []).map((t) => t.legendFormat);
      expect(legends).toEqual(expect.arrayContaining(['request', 'limit']));
      expect(panel(title).targets?.find((t) => t.legendFormat === 'limit')?.expr).toContain(
        KUBE_STATE_METRICS.containerLimits,
      );
    }
  });

  it('has an operator row and links alerts to their runbooks', () => {
    expect(titles).toEqual(
      expect.arrayContaining(['Operator', 'Operator replicas up', 'Leader', 'Reconciles / s by result']),
    );
    expect(panel('Error rate %').links).toEqual([
      {
        title: `Runbook: ${ALERT_NAMES.errorRate}`,
        url: `https://github.com/inventorybot/inventorybot/blob/main/README.md#runbook-inventoryboterrorratehigh`,
        targetBlank: true,
      },
    ]);
    expect(panel('Operator replicas up').links?.[0]?.url).toMatch(/#runbook-inventorybotoperatordown$/);
    expect(dashboard.links.map((l) => l.title)).toEqual(['Firing alerts', 'Runbooks']);
  });

  it('lays panels out on the 24-column grid without overlaps and with unique ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`;
          expect(cells.has(key)).toBe(false);
          cells.add(key);
        }
      }
    }
  });
});
