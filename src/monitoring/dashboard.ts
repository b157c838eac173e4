// The Grafana dashboard, built by a pure function. Templated by data source, namespace and InventoryBot
// (the `job` label: the ServiceMonitor's Service, named after the bot). Queries use the worker's metric
// names from src/contracts/worker-metric-names.ts and kube-state-metrics for replicas.
import {
  CIRCUIT_STATE_VALUES,
  ITEM_ERROR_OUTCOMES,
  METRICS,
  outcomeMatcher,
  PROCESS_METRICS,
} from '../contracts/worker-metric-names.ts';
import { METRIC_NAMES as OPERATOR_METRICS } from '../contracts/operator-metric-names.ts';
import {
  ALERT_NAMES,
  DEFAULT_RUNBOOK_BASE,
  DEFAULT_SLO,
  runbookAnchor,
  SLO_SERIES,
  type AlertName,
  type SloThresholds,
} from './alert-rules.ts';
import { num, series } from './promql.ts';

// kube-state-metrics series (the Deployment and the HPA share the bot's name).
export const KUBE_STATE_METRICS = {
  deploymentReplicas: 'kube_deployment_status_replicas',
  deploymentReadyReplicas: 'kube_deployment_status_replicas_ready',
  hpaDesiredReplicas: 'kube_horizontalpodautoscaler_status_desired_replicas',
  hpaMaxReplicas: 'kube_horizontalpodautoscaler_spec_max_replicas',
  containerLimits: 'kube_pod_container_resource_limits',
  containerRequests: 'kube_pod_container_resource_requests',
} as const;

/** Operator metrics the operator row reads (controller-runtime names; src/contracts/operator-metric-names.ts). */
export const OPERATOR_ROW_METRICS = [
  OPERATOR_METRICS.reconcileTotal,
  OPERATOR_METRICS.reconcileErrorsTotal,
  `${OPERATOR_METRICS.reconcileTimeSeconds}_bucket`,
  OPERATOR_METRICS.workqueueDepth,
  OPERATOR_METRICS.leaderElectionMasterStatus,
  OPERATOR_METRICS.watchUp,
] as const;

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
  links?: Array<{ title: string; url: string; targetBlank: boolean }>;
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
/** The operator's metrics Service (job label), picked by the `operator` variable. */
const OPERATOR_SEL = 'namespace=~"$operator_namespace",job=~"$operator"';
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
  /** Series drawn as dashed reference lines: each bot's SLO (legend "SLO …"), pod limits and requests. */
  references?: Array<{ expr: string; legend: string; kind: 'slo' | 'limit' | 'request' }>;
  /** Alerts the panel watches (README runbook anchors): links to their runbooks. */
  alerts?: Array<AlertName | `InventoryBotOperator${string}`>;
  /** Red from this value on (or below it, with lowIsBad). */
  threshold?: number;
  lowIsBad?: boolean;
  stacked?: boolean;
  min?: number;
  mappings?: Array<Record<string, unknown>>;
  decimals?: number;
}

/** A state-timeline's value mapping: each value of a state gauge shown as a word in a colour, in this order. */
function valueMapping(states: ReadonlyArray<readonly [value: number, text: string, color: string]>) {
  const options = states.map(([value, text, color], index) => [String(value), { text, color, index }]);
  return [{ type: 'value', options: Object.fromEntries(options) }];
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

export function buildDashboard(
  options: { slo?: Partial<SloThresholds>; runbookBase?: string } = {},
): Dashboard {
  const slo: SloThresholds = { ...DEFAULT_SLO, ...options.slo };
  const runbookBase = options.runbookBase ?? DEFAULT_RUNBOOK_BASE;
  const layout = new Layout(runbookBase);
  const m = (metric: string, matcher?: string) => series(metric, SEL, matcher);
  const itemsRate = `sum(rate(${m(METRICS.itemsTotal)}[${RATE}]))`;
  const itemsRateByBot = `sum by (namespace, job) (rate(${m(METRICS.itemsTotal)}[${RATE}]))`;
  const sloLine = (key: keyof typeof SLO_SERIES, what = '') => ({
    expr: `max by (namespace, job) (${series(SLO_SERIES[key], SEL)})`,
    legend: `SLO ${what ? `${what} ` : ''}{{job}}`,
    kind: 'slo' as const,
  });
  const podSel = 'namespace=~"$namespace",pod=~"$bot-.*",container="worker"';
  const podResource = (metric: string, resource: string) =>
    `max(${series(metric, podSel, `resource="${resource}"`)})`;
  const quantile = (q: number, metric: string, extraBy: string[] = []) =>
    `histogram_quantile(${q}, sum by (${[...extraBy, 'le'].join(', ')}) (rate(${m(`${metric}_bucket`)}[${RATE}])))`;

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
        expr: `100 * sum(rate(${m(METRICS.itemsTotal, outcomeMatcher(ITEM_ERROR_OUTCOMES))}[${RATE}])) / ${itemsRate}`,
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
    description:
      'Worker pods Prometheus scrapes successfully; red at 0 (`or vector(0)`: no worker up reads 0, not No data).',
    unit: 'short',
    threshold: 1,
    lowIsBad: true,
    decimals: 0,
    alerts: [ALERT_NAMES.noWorkerUp],
    targets: [{ expr: `count(${series('up', SEL)} == 1) or vector(0)`, legend: 'up' }],
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
    description: `Failed and dead-lettered items as a share of all items, per bot; dashed: each bot's own objective (spec.slo, from the operator's rules), shaded red from the default ${num(slo.errorRatePercent)}%.`,
    unit: 'percent',
    threshold: slo.errorRatePercent,
    min: 0,
    alerts: [ALERT_NAMES.errorRate],
    targets: [
      {
        expr: `100 * sum by (namespace, job) (rate(${m(METRICS.itemsTotal, outcomeMatcher(ITEM_ERROR_OUTCOMES))}[${RATE}])) / ${itemsRateByBot}`,
        legend: '{{namespace}}/{{job}}',
      },
    ],
    references: [sloLine('errorRatePercent')],
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
    description: `Upstream retries per item, per bot; dashed: each bot's objective, shaded red from the default ${num(slo.retryRatePercent)}%.`,
    unit: 'percent',
    threshold: slo.retryRatePercent,
    min: 0,
    alerts: [ALERT_NAMES.retryRate],
    targets: [
      {
        expr: `100 * sum by (namespace, job) (rate(${m(METRICS.retriesTotal)}[${RATE}])) / ${itemsRateByBot}`,
        legend: '{{namespace}}/{{job}}',
      },
    ],
    references: [sloLine('retryRatePercent')],
  });
  layout.panel({
    title: 'Dead letters',
    description:
      'New dead-letter entries by error_code (bars) and the dead-letter stream length. Inspect with `inventorybot dlq list`.',
    unit: 'short',
    alerts: [ALERT_NAMES.deadLetters],
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
    description: `From pick-up to acknowledge, per bot. Dashed: each bot's p95 and p99 objectives; shaded red from the default p95 ${num(slo.batchP95Seconds)} s (p99 ${num(slo.batchP99Seconds)} s).`,
    unit: 's',
    threshold: slo.batchP95Seconds,
    min: 0,
    alerts: [ALERT_NAMES.latencyP95, ALERT_NAMES.latencyP99],
    targets: [0.5, 0.95, 0.99].map((q) => ({
      expr: quantile(q, METRICS.batchDurationSeconds, ['namespace', 'job']),
      legend: `{{job}} p${Math.round(q * 100)}`,
    })),
    references: [sloLine('batchP95Seconds', 'p95'), sloLine('batchP99Seconds', 'p99')],
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
    mappings: valueMapping(
      Object.entries(CIRCUIT_STATE_VALUES).map(([text, value], index) => [
        value,
        text.replace('_', '-'),
        [green, red, orange][index] ?? orange,
      ]),
    ),
    targets: [{ expr: `max by (upstream) (${m(METRICS.circuitBreakerState)})`, legend: '{{upstream}}' }],
  });
  // The outage signals of #11: a paused or Redis-less fleet is otherwise quiet (no errors, no dead letters).
  layout.panel({
    title: 'Intake paused',
    description:
      'Workers taking no new batches because every upstream circuit is open (issue 11): batches wait in the stream instead of being dead-lettered.',
    type: 'state-timeline',
    unit: 'none',
    alerts: [ALERT_NAMES.intakePaused],
    mappings: valueMapping([
      [0, 'taking work', green],
      [1, 'paused', red],
    ]),
    targets: [{ expr: `max by (pod) (${m(METRICS.intakePaused)})`, legend: '{{pod}}' }],
  });
  layout.panel({
    title: 'Redis connected',
    description:
      'Per worker: 1 while connected to Redis; a disconnected worker can neither read nor acknowledge.',
    type: 'state-timeline',
    unit: 'none',
    alerts: [ALERT_NAMES.redisDown],
    mappings: valueMapping([
      [1, 'connected', green],
      [0, 'disconnected', red],
    ]),
    targets: [{ expr: `min by (pod) (${m(METRICS.redisUp)})`, legend: '{{pod}}' }],
  });
  layout.panel({
    title: 'Upstream call limit (adaptive)',
    description:
      'Calls in flight allowed per upstream, summed over replicas: grows while latency and errors stay low, cut on latency growth, 429s, timeouts and error spikes, within spec.concurrency.upstreamCallsMin/Max (issue 12).',
    unit: 'short',
    min: 0,
    decimals: 0,
    targets: [{ expr: `sum by (upstream) (${m(METRICS.upstreamConcurrencyLimit)})`, legend: '{{upstream}}' }],
  });

  layout.row('Queue');
  layout.panel({
    title: 'Queue lag and pending',
    description:
      'lag: not yet delivered to the group; pending: delivered, not acknowledged; length: stream entries.',
    unit: 'short',
    alerts: [ALERT_NAMES.queueLag],
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

  layout.panel({
    title: 'Warehouse shards: lag',
    description:
      'Batches waiting per shard (spec.queue.shards, #13). One worker works a shard one batch at a time, so a shard far above the others is a hot warehouse that more replicas cannot drain. Empty when the queue is not sharded.',
    unit: 'short',
    min: 0,
    alerts: [ALERT_NAMES.hotShard],
    targets: [{ expr: `max by (shard) (${m(METRICS.shardLag)})`, legend: '{{shard}}' }],
  });
  layout.panel({
    title: 'Warehouse shards: oldest pending age',
    description:
      'Per shard: age of the batch its owner is on, i.e. how far behind enqueue the shard runs (#13).',
    unit: 's',
    min: 0,
    targets: [{ expr: `max by (shard) (${m(METRICS.shardOldestPendingSeconds)})`, legend: '{{shard}}' }],
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
    description:
      'CPU cores used by each worker process (its own process metrics); dashed: the container request (the HPA target is a share of it) and limit, from kube-state-metrics.',
    unit: 'short',
    min: 0,
    targets: [
      {
        expr: `sum by (pod) (rate(${m(PROCESS_METRICS.cpuSecondsTotal)}[${RATE}]))`,
        legend: '{{pod}}',
      },
    ],
    references: [
      { expr: podResource(KUBE_STATE_METRICS.containerRequests, 'cpu'), legend: 'request', kind: 'request' },
      { expr: podResource(KUBE_STATE_METRICS.containerLimits, 'cpu'), legend: 'limit', kind: 'limit' },
    ],
  });
  layout.panel({
    title: 'Memory per pod',
    description:
      'Resident memory and V8 heap used by each worker process; dashed: the container request and the limit (OOM kill above it), from kube-state-metrics.',
    unit: 'bytes',
    min: 0,
    targets: [
      { expr: `sum by (pod) (${m(PROCESS_METRICS.residentMemoryBytes)})`, legend: '{{pod}} RSS' },
      { expr: `sum by (pod) (${m(PROCESS_METRICS.heapUsedBytes)})`, legend: '{{pod}} heap' },
    ],
    references: [
      {
        expr: podResource(KUBE_STATE_METRICS.containerRequests, 'memory'),
        legend: 'request',
        kind: 'request',
      },
      { expr: podResource(KUBE_STATE_METRICS.containerLimits, 'memory'), legend: 'limit', kind: 'limit' },
    ],
  });

  // The operator: without it, drift is not repaired and new bots get nothing (issue 17: an on-call row).
  const o = (metric: string) => series(metric, OPERATOR_SEL);
  layout.row('Operator');
  stat({
    title: 'Operator replicas up',
    description: 'Operator pods Prometheus scrapes successfully; red at 0.',
    unit: 'short',
    alerts: ['InventoryBotOperatorDown'],
    threshold: 1,
    lowIsBad: true,
    decimals: 0,
    targets: [{ expr: `count(${o('up')} == 1) or vector(0)`, legend: 'up' }],
  });
  stat({
    title: 'Leader',
    description: 'Replicas holding the leader lease: 1 reconciles; 0 means nobody does.',
    unit: 'short',
    threshold: 1,
    lowIsBad: true,
    decimals: 0,
    targets: [
      { expr: `sum(${o(OPERATOR_METRICS.leaderElectionMasterStatus)}) or vector(0)`, legend: 'leaders' },
    ],
  });
  stat({
    title: 'Watches up',
    description:
      'Informer watches streaming (InventoryBots and the owned kinds); below the count, one is down.',
    unit: 'short',
    decimals: 0,
    targets: [{ expr: `sum(${o(OPERATOR_METRICS.watchUp)})`, legend: 'watches' }],
  });
  stat({
    title: 'Work queue depth',
    description: 'InventoryBots waiting to be reconciled.',
    unit: 'short',
    alerts: ['InventoryBotOperatorWorkQueueBacklog'],
    threshold: 100,
    targets: [{ expr: `sum(${o(OPERATOR_METRICS.workqueueDepth)})`, legend: 'depth' }],
  });
  layout.panel({
    title: 'Reconciles / s by result',
    description:
      'success, error, requeue_after; errors show in `kubectl describe ib` events and the operator logs.',
    unit: 'short',
    stacked: true,
    targets: [
      {
        expr: `sum by (result) (rate(${o(OPERATOR_METRICS.reconcileTotal)}[${RATE}]))`,
        legend: '{{result}}',
      },
    ],
  });
  layout.panel({
    title: 'Reconcile duration p95',
    description: 'Time one reconcile takes, 95th percentile.',
    unit: 's',
    min: 0,
    targets: [
      {
        expr: `histogram_quantile(0.95, sum by (le) (rate(${o(`${OPERATOR_METRICS.reconcileTimeSeconds}_bucket`)}[${RATE}])))`,
        legend: 'p95',
      },
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
        labelVariable(
          'operator_namespace',
          'Operator namespace',
          `label_values(${OPERATOR_METRICS.reconcileTotal}{controller="inventorybot"}, namespace)`,
        ),
        labelVariable(
          'operator',
          'Operator',
          `label_values(${OPERATOR_METRICS.reconcileTotal}{controller="inventorybot",namespace=~"$operator_namespace"}, job)`,
        ),
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
    links: [
      {
        title: 'Firing alerts',
        type: 'link',
        icon: 'bolt',
        url: '/alerting/list?search=InventoryBot',
        tooltip: 'Grafana alert list filtered to InventoryBot',
        targetBlank: false,
      },
      {
        title: 'Runbooks',
        type: 'link',
        icon: 'doc',
        url: `${runbookBase}#alerts`,
        tooltip: 'What each alert means and what to do',
        targetBlank: true,
      },
    ],
    panels: layout.panels,
  };
}

/** How reference series look: legends starting with these words, dashed, in a fixed colour. */
const REFERENCE_STYLES = [
  { kind: 'slo', legend: '^SLO .*', color: red },
  { kind: 'limit', legend: '^limit$', color: red },
  { kind: 'request', legend: '^request$', color: orange },
] as const;

/** Places panels left to right in a 24-column grid, two per row unless told, and numbers them. */
class Layout {
  readonly panels: DashboardPanel[] = [];
  readonly #runbookBase: string;

  constructor(runbookBase: string) {
    this.#runbookBase = runbookBase;
  }

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
    const references = spec.references ?? [];
    const panel: DashboardPanel = {
      id: this.#id++,
      type,
      title: spec.title,
      description: spec.description,
      gridPos: { x: this.#x, y: this.#y, w, h },
      datasource: DS,
      ...(spec.alerts?.length
        ? {
            links: spec.alerts.map((alert) => ({
              title: `Runbook: ${alert}`,
              url: `${this.#runbookBase}#${runbookAnchor(alert)}`,
              targetBlank: true,
            })),
          }
        : {}),
      targets: [...spec.targets, ...references].map((t, i) => ({
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
        overrides: REFERENCE_STYLES.filter((r) => references.some((ref) => ref.kind === r.kind)).map((r) => ({
          matcher: { id: 'byRegexp', options: r.legend },
          properties: [
            { id: 'color', value: { mode: 'fixed', fixedColor: r.color } },
            { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 6] } },
            { id: 'custom.fillOpacity', value: 0 },
            { id: 'custom.stacking', value: { mode: 'none', group: 'A' } },
            { id: 'custom.lineWidth', value: 2 },
          ],
        })),
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
