// The Grafana dashboard, built by a pure function. Templated by data source, namespace and InventoryBot
// (the `job` label: the ServiceMonitor's Service, named after the bot). Queries use the worker's metric
// names from src/worker/metric-names.ts and kube-state-metrics for replicas.
import { CIRCUIT_STATE_VALUES, METRIC_PREFIX, METRICS } from '../worker/metric-names.ts';
import { DEFAULT_SLO, type SloThresholds } from './alert-rules.ts';
import { num, series } from './promql.ts';

// prom-client's default process metrics, registered by the worker with METRIC_PREFIX.
export const PROCESS_METRICS = {
  cpuSecondsTotal: `${METRIC_PREFIX}process_cpu_seconds_total`,
  residentMemoryBytes: `${METRIC_PREFIX}process_resident_memory_bytes`,
  heapUsedBytes: `${METRIC_PREFIX}nodejs_heap_size_used_bytes`,
} as const;

// kube-state-metrics series (the Deployment and the HPA share the bot's name).
export const KUBE_STATE_METRICS = {
  deploymentReplicas: 'kube_deployment_status_replicas',
  deploymentReadyReplicas: 'kube_deployment_status_replicas_ready',
  hpaDesiredReplicas: 'kube_horizontalpodautoscaler_status_desired_replicas',
  hpaMaxReplicas: 'kube_horizontalpodautoscaler_spec_max_replicas',
} as const;

export const DASHBOARD_UID = 'inventorybot-overview';

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: { type: 'prometheus'; uid: string };
  instant?: boolean;
  range?: boolean;
}

export interface DashboardPanel {
  id: number;
  type: 'timeseries' | 'stat' | 'state-timeline' | 'row';
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: 'prometheus'; uid: string };
  targets?: DashboardTarget[];
  fieldConfig?: Record<string, unknown>;
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: DashboardPanel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  graphTooltip: number;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: Array<Record<string, unknown>> };
  annotations: { list: Array<Record<string, unknown>> };
  links: Array<Record<string, unknown>>;
  panels: DashboardPanel[];
}

const DS = { type: 'prometheus' as const, uid: '${datasource}' };
const SEL = 'namespace=~"$namespace",job=~"$bot"';
const KSM_SEL = (objectLabel: string) => `namespace=~"$namespace",${objectLabel}=~"$bot"`;
const RATE = '$__rate_interval';

const red = 'red';
const green = 'green';
const orange = 'orange';

type Unit = 'short' | 'percent' | 's' | 'bytes' | 'percentunit' | 'none';

interface PanelSpec {
  title: string;
  description: string;
  type?: DashboardPanel['type'];
  w?: number;
  h?: number;
  unit?: Unit;
  targets: Array<{ expr: string; legend: string }>;
  /** Red from this value on (or below it, with lowIsBad). */
  threshold?: number;
  lowIsBad?: boolean;
  stacked?: boolean;
  min?: number;
  mappings?: Array<Record<string, unknown>>;
  decimals?: number;
}

/** Every PromQL query of the dashboard, with its panel title (for tests and docs). */
export function dashboardQueries(dashboard: Dashboard): Array<{ panel: string; expr: string }> {
  const walk = (panels: DashboardPanel[]): Array<{ panel: string; expr: string }> =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
      ...walk(p.panels ?? []),
    ]);
  return walk(dashboard.panels);
}

/** A multi-select template variable filled from a label_values() query. */
function labelVariable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: name },
    definition: query,
    refresh: 2,
    includeAll: true,
    multi: true,
    sort: 1,
    current: {},
    hide: 0,
  };
}

export function buildDashboard(options: { slo?: Partial<SloThresholds> } = {}): Dashboard {
  const slo: SloThresholds = { ...DEFAULT_SLO, ...options.slo };
  const m = (metric: string, matcher?: string) => series(metric, SEL, matcher);
  const itemsRate = `sum(rate(${m(METRICS.itemsTotal)}[${RATE}]))`;
  const quantile = (q: number, metric: string, extraBy: string[] = []) =>
    `histogram_quantile(${q}, sum by (${[...extraBy, 'le'].join(', ')}) (rate(${m(`${metric}_bucket`)}[${RATE}])))`;

  const layout = new Layout();
  const stat = (spec: Omit<PanelSpec, 'type'>) =>
    layout.panel({ ...spec, type: 'stat', w: spec.w ?? 4, h: 4 });

  layout.row('Overview');
  stat({
    title: 'Items / min',
    description: 'Items handled per minute, all outcomes.',
    unit: 'short',
    targets: [{ expr: `${itemsRate} * 60`, legend: 'items/min' }],
  });
  stat({
    title: 'Item error rate',
    description: `Failed and dead-lettered items, share of all items. Objective ≤ ${num(slo.errorRatePercent)}%.`,
    unit: 'percent',
    threshold: slo.errorRatePercent,
    targets: [
      {
        expr: `100 * sum(rate(${m(METRICS.itemsTotal, 'outcome=~"failed|dead_lettered"')}[${RATE}])) / ${itemsRate}`,
        legend: 'error %',
      },
    ],
  });
  stat({
    title: 'Batch p95',
    description: `95th percentile batch duration. Objective ≤ ${num(slo.batchP95Seconds)} s.`,
    unit: 's',
    threshold: slo.batchP95Seconds,
    targets: [{ expr: quantile(0.95, METRICS.batchDurationSeconds), legend: 'p95' }],
  });
  stat({
    title: 'Availability (1h)',
    description: `Acknowledged batches (success or partial) over the last hour. Objective ≥ ${num(slo.availabilityPercent)}%.`,
    unit: 'percent',
    decimals: 2,
    threshold: slo.availabilityPercent,
    lowIsBad: true,
    targets: [
      {
        expr: `100 * sum(rate(${m(METRICS.batchesTotal, 'outcome=~"success|partial"')}[1h])) / sum(rate(${m(METRICS.batchesTotal)}[1h]))`,
        legend: 'availability %',
      },
    ],
  });
  stat({
    title: 'Workers up',
    description: 'Worker pods Prometheus scrapes successfully.',
    unit: 'short',
    targets: [{ expr: `count(${series('up', SEL)} == 1)`, legend: 'up' }],
  });
  stat({
    title: 'Queue lag',
    description: 'Batches in the stream not yet delivered to the consumer group.',
    unit: 'short',
    targets: [{ expr: `max(${m(METRICS.queueLag)})`, legend: 'lag' }],
  });

  layout.row('Throughput and errors');
  layout.panel({
    title: 'Items / min by outcome',
    description: 'applied, deduplicated (already applied: a redelivery), dead_lettered, failed (given back).',
    unit: 'short',
    stacked: true,
    targets: [
      {
        expr: `sum by (outcome) (rate(${m(METRICS.itemsTotal)}[${RATE}])) * 60`,
        legend: '{{outcome}}',
      },
    ],
  });
  layout.panel({
    title: 'Batches / min by outcome',
    description:
      'success, partial (some items dead-lettered), failed (left for redelivery), dead_lettered, invalid.',
    unit: 'short',
    stacked: true,
    targets: [
      {
        expr: `sum by (outcome) (rate(${m(METRICS.batchesTotal)}[${RATE}])) * 60`,
        legend: '{{outcome}}',
      },
    ],
  });
  layout.panel({
    title: 'Error rate %',
    description: `Failed and dead-lettered items as a share of all items; red from ${num(slo.errorRatePercent)}%.`,
    unit: 'percent',
    threshold: slo.errorRatePercent,
    min: 0,
    targets: [
      {
        expr: `100 * sum(rate(${m(METRICS.itemsTotal, 'outcome=~"failed|dead_lettered"')}[${RATE}])) / ${itemsRate}`,
        legend: 'item error rate %',
      },
    ],
  });
  layout.panel({
    title: 'Errors / s by error_code',
    description: 'Failed upstream attempts, dead-lettered and invalid messages, Redis errors.',
    unit: 'short',
    stacked: true,
    targets: [
      {
        expr: `sum by (error_code) (rate(${m(METRICS.errorsTotal)}[${RATE}]))`,
        legend: '{{error_code}}',
      },
    ],
  });
  layout.panel({
    title: 'Retry rate %',
    description: `Upstream retries per item; red from ${num(slo.retryRatePercent)}%.`,
    unit: 'percent',
    threshold: slo.retryRatePercent,
    min: 0,
    targets: [
      {
        expr: `100 * sum(rate(${m(METRICS.retriesTotal)}[${RATE}])) / ${itemsRate}`,
        legend: 'retries per item %',
      },
    ],
  });
  layout.panel({
    title: 'Dead letters',
    description:
      'New dead-letter entries by error_code (bars) and the dead-letter stream length. Inspect with `inventorybot dlq list`.',
    unit: 'short',
    targets: [
      {
        expr: `sum by (error_code) (increase(${m(METRICS.deadLettersTotal)}[${RATE}]))`,
        legend: 'new: {{error_code}}',
      },
      { expr: `max(${m(METRICS.deadLetterStreamLength)})`, legend: 'stream length' },
    ],
  });

  layout.row('Latency');
  layout.panel({
    title: 'Batch duration p50 / p95 / p99',
    description: `From pick-up to acknowledge. Objectives: p95 ≤ ${num(slo.batchP95Seconds)} s, p99 ≤ ${num(slo.batchP99Seconds)} s.`,
    unit: 's',
    threshold: slo.batchP95Seconds,
    min: 0,
    targets: [0.5, 0.95, 0.99].map((q) => ({
      expr: quantile(q, METRICS.batchDurationSeconds),
      legend: `p${Math.round(q * 100)}`,
    })),
  });
  layout.panel({
    title: 'Upstream latency p50 / p95 / p99',
    description: 'One upstream HTTP call, per upstream (primary, secondary).',
    unit: 's',
    min: 0,
    targets: [0.5, 0.95, 0.99].map((q) => ({
      expr: quantile(q, METRICS.upstreamRequestDurationSeconds, ['upstream']),
      legend: `{{upstream}} p${Math.round(q * 100)}`,
    })),
  });
  layout.panel({
    title: 'Upstream requests / s by result',
    description: 'ok, or the error_code of the failed call.',
    unit: 'short',
    stacked: true,
    targets: [
      {
        expr: `sum by (upstream, result) (rate(${m(METRICS.upstreamRequestsTotal)}[${RATE}]))`,
        legend: '{{upstream}} {{result}}',
      },
    ],
  });
  layout.panel({
    title: 'Circuit breaker state',
    description:
      'Per upstream: closed (calls flow), open (calls fail fast, failover), half-open (trial call).',
    type: 'state-timeline',
    unit: 'none',
    mappings: [
      {
        type: 'value',
        options: Object.fromEntries(
          Object.entries(CIRCUIT_STATE_VALUES).map(([text, value], index) => [
            String(value),
            { text: text.replace('_', '-'), color: [green, red, orange][index] ?? orange, index },
          ]),
        ),
      },
    ],
    targets: [{ expr: `max by (upstream) (${m(METRICS.circuitBreakerState)})`, legend: '{{upstream}}' }],
  });

  layout.row('Queue');
  layout.panel({
    title: 'Queue lag and pending',
    description:
      'lag: not yet delivered to the group; pending: delivered, not acknowledged; length: stream entries.',
    unit: 'short',
    targets: [
      { expr: `max(${m(METRICS.queueLag)})`, legend: 'lag' },
      { expr: `max(${m(METRICS.queuePending)})`, legend: 'pending' },
      { expr: `max(${m(METRICS.queueLength)})`, legend: 'stream length' },
    ],
  });
  layout.panel({
    title: 'Oldest pending batch age',
    description:
      'Age of the oldest delivered-but-unacknowledged batch; a dead consumer’s batches are reclaimed after claimIdleSeconds.',
    unit: 's',
    min: 0,
    targets: [{ expr: `max(${m(METRICS.queueOldestPendingSeconds)})`, legend: 'oldest pending' }],
  });

  layout.row('Capacity');
  layout.panel({
    title: 'Replicas: desired / ready',
    description:
      'From kube-state-metrics: the autoscaler’s desired replicas, the Deployment’s replicas and ready replicas, the autoscaler maximum.',
    unit: 'short',
    min: 0,
    decimals: 0,
    targets: [
      {
        expr: `sum(${series(KUBE_STATE_METRICS.hpaDesiredReplicas, KSM_SEL('horizontalpodautoscaler'))})`,
        legend: 'desired (HPA)',
      },
      {
        expr: `sum(${series(KUBE_STATE_METRICS.deploymentReplicas, KSM_SEL('deployment'))})`,
        legend: 'replicas',
      },
      {
        expr: `sum(${series(KUBE_STATE_METRICS.deploymentReadyReplicas, KSM_SEL('deployment'))})`,
        legend: 'ready',
      },
      {
        expr: `sum(${series(KUBE_STATE_METRICS.hpaMaxReplicas, KSM_SEL('horizontalpodautoscaler'))})`,
        legend: 'max (HPA)',
      },
    ],
  });
  layout.panel({
    title: 'In flight',
    description: 'Batches and items being processed right now, all workers.',
    unit: 'short',
    targets: [
      { expr: `sum(${m(METRICS.batchesInFlight)})`, legend: 'batches' },
      { expr: `sum(${m(METRICS.itemsInFlight)})`, legend: 'items' },
    ],
  });
  layout.panel({
    title: 'CPU per pod',
    description: 'CPU cores used by each worker process (its own process metrics).',
    unit: 'short',
    min: 0,
    targets: [
      {
        expr: `sum by (pod) (rate(${m(PROCESS_METRICS.cpuSecondsTotal)}[${RATE}]))`,
        legend: '{{pod}}',
      },
    ],
  });
  layout.panel({
    title: 'Memory per pod',
    description: 'Resident memory and V8 heap used by each worker process.',
    unit: 'bytes',
    min: 0,
    targets: [
      { expr: `sum by (pod) (${m(PROCESS_METRICS.residentMemoryBytes)})`, legend: '{{pod}} RSS' },
      { expr: `sum by (pod) (${m(PROCESS_METRICS.heapUsedBytes)})`, legend: '{{pod}} heap' },
    ],
  });

  return {
    uid: DASHBOARD_UID,
    title: 'InventoryBot',
    description: 'InventoryBot workers: throughput, errors, latency against the SLOs, queue, capacity.',
    tags: ['inventorybot'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
        },
        labelVariable('namespace', 'Namespace', `label_values(${METRICS.info}, namespace)`),
        labelVariable('bot', 'InventoryBot', `label_values(${METRICS.info}{namespace=~"$namespace"}, job)`),
      ],
    },
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [],
    panels: layout.panels,
  };
}

/** Places panels left to right in a 24-column grid, two per row unless told, and numbers them. */
class Layout {
  readonly panels: DashboardPanel[] = [];
  #x = 0;
  #y = 0;
  #rowHeight = 0;
  #id = 1;

  row(title: string): void {
    this.#newline();
    this.panels.push({
      id: this.#id++,
      type: 'row',
      title,
      collapsed: false,
      gridPos: { x: 0, y: this.#y, w: 24, h: 1 },
      panels: [],
    });
    this.#y += 1;
  }

  panel(spec: PanelSpec): DashboardPanel {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (this.#x + w > 24) this.#newline();
    const type = spec.type ?? 'timeseries';
    const refIds = 'ABCDEFGHIJ';
    const [below, above] = spec.lowIsBad ? [red, green] : [green, red];
    const steps: Array<{ color: string; value: number | null }> = [
      { color: spec.threshold === undefined ? green : below, value: null },
    ];
    if (spec.threshold !== undefined) steps.push({ color: above, value: spec.threshold });
    const custom: Record<string, unknown> =
      type === 'timeseries'
        ? {
            drawStyle: 'line',
            lineWidth: 2,
            fillOpacity: spec.stacked ? 30 : 10,
            showPoints: 'never',
            stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
            thresholdsStyle: { mode: spec.threshold === undefined ? 'off' : 'line+area' },
          }
        : {};
    const panel: DashboardPanel = {
      id: this.#id++,
      type,
      title: spec.title,
      description: spec.description,
      gridPos: { x: this.#x, y: this.#y, w, h },
      datasource: DS,
      targets: spec.targets.map((t, i) => ({
        refId: refIds[i] ?? `Q${i}`,
        expr: t.expr,
        legendFormat: t.legend,
        datasource: DS,
        ...(type === 'stat' ? { instant: true, range: false } : {}),
      })),
      fieldConfig: {
        defaults: {
          unit: spec.unit ?? 'short',
          ...(spec.min === undefined ? {} : { min: spec.min }),
          ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
          thresholds: { mode: 'absolute', steps },
          color: { mode: type === 'timeseries' ? 'palette-classic' : 'thresholds' },
          mappings: spec.mappings ?? [],
          custom,
        },
        overrides: [],
      },
      options:
        type === 'stat'
          ? {
              reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
              colorMode: 'value',
              graphMode: 'none',
              textMode: 'value',
            }
          : type === 'state-timeline'
            ? { showValue: 'auto', mergeValues: true, legend: { displayMode: 'list', placement: 'bottom' } }
            : {
                legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
                tooltip: { mode: 'multi', sort: 'desc' },
              },
    };
    this.panels.push(panel);
    this.#x += w;
    this.#rowHeight = Math.max(this.#rowHeight, h);
    return panel;
  }

  #newline(): void {
    if (this.#x === 0) return;
    this.#y += this.#rowHeight;
    this.#x = 0;
    this.#rowHeight = 0;
  }
}
