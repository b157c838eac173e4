// The SLO alert rules, written once. Pure: (thresholds, optional selector for one bot) → Prometheus rule
// groups. The operator's per-bot PrometheusRule, the chart's static rules file and the live Prometheus
// test all come from here; docs/monitoring.md has a runbook section per alert.
import { scalingSchema, sloSchema, type InventoryBotSpec } from '../api/inventory-bot.ts';
import { ITEM_ERROR_OUTCOMES, METRICS, outcomeMatcher } from '../contracts/worker-metric-names.ts';
import { by, num, series } from './promql.ts';

export type SloThresholds = InventoryBotSpec['slo'];

/** Defaults of spec.slo (the schema's, which are DESIGN.md's). */
export const DEFAULT_SLO: SloThresholds = sloSchema.parse({});
export const DEFAULT_QUEUE_LAG_PER_REPLICA: number = scalingSchema.parse({}).queueLagPerReplica;

export const DEFAULT_RUNBOOK_BASE = 'https://github.com/inventorybot/inventorybot/blob/main/README.md';

export const ALERT_NAMES = {
  errorRate: 'InventoryBotErrorRateHigh',
  retryRate: 'InventoryBotRetryRateHigh',
  latencyP95: 'InventoryBotBatchLatencyP95High',
  latencyP99: 'InventoryBotBatchLatencyP99High',
  consecutiveFailures: 'InventoryBotConsecutiveFailures',
  deadLetters: 'InventoryBotDeadLettersGrowing',
  queueLag: 'InventoryBotQueueLagHigh',
  availability: 'InventoryBotAvailabilityLow',
  noWorkerUp: 'InventoryBotNoWorkerUp',
  intakePaused: 'InventoryBotIntakePaused',
  redisDown: 'InventoryBotRedisUnreachable',
  hotShard: 'InventoryBotHotShard',
} as const;
export type AlertName = (typeof ALERT_NAMES)[keyof typeof ALERT_NAMES];

export interface AlertRuleOptions {
  /** Thresholds (spec.slo); missing fields take the defaults. */
  slo?: Partial<SloThresholds>;
  /** PromQL label matchers (no braces) that select one bot's series, e.g. `namespace="shop",job="bot"`. */
  selector?: string;
  /** Labels the alerts aggregate by; one alert per distinct value set (per bot). */
  groupBy?: readonly string[];
  /** Target queue lag per ready worker (spec.scaling.queueLagPerReplica); 0 leaves the alert out. */
  queueLagPerReplica?: number;
  /** Autoscaler ceiling, only mentioned in the queue lag description. */
  maxReplicas?: number;
  groupName?: string;
  /** Where the runbook lives; each alert links to `<base>#runbook-<alert name lowercased>`. */
  runbookBase?: string;
}

export interface PrometheusAlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface PrometheusRecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface RuleGroup<R = PrometheusAlertRule | PrometheusRecordingRule> {
  name: string;
  rules: R[];
}

/**
 * One bot's thresholds as series, so the dashboard draws each bot's own SLO lines (Grafana thresholds are
 * static per panel: issue 17). Recorded only in per-bot rules (a selector), labelled like the bot's series.
 */
export const SLO_SERIES = {
  errorRatePercent: 'inventorybot:slo_error_rate_percent',
  retryRatePercent: 'inventorybot:slo_retry_rate_percent',
  batchP95Seconds: 'inventorybot:slo_batch_p95_seconds',
  batchP99Seconds: 'inventorybot:slo_batch_p99_seconds',
  availabilityPercent: 'inventorybot:slo_availability_percent',
} as const satisfies Partial<Record<keyof SloThresholds, string>>;

/** `namespace="a",service="b"` → { namespace: a, service: b, job: b }: a ServiceMonitor target's job is its Service. */
export function selectorLabels(selector: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of selector.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
  }
  if (labels.service !== undefined && labels.job === undefined) labels.job = labels.service;
  return labels;
}

export function sloRecordingRules(slo: SloThresholds, selector: string): PrometheusRecordingRule[] {
  const labels = selectorLabels(selector);
  return Object.entries(SLO_SERIES).map(([key, record]) => ({
    record,
    expr: `vector(${num(slo[key as keyof typeof SLO_SERIES])})`,
    labels,
  }));
}

/** An alert plus the sub-expressions that return data on a healthy, loaded bot (used by the live test). */
export interface AlertDefinition {
  rule: PrometheusAlertRule;
  probes: string[];
}

export const DEFAULT_GROUP_BY = ['namespace', 'job'] as const;

export const runbookAnchor = (alert: string): string => `runbook-${alert.toLowerCase()}`;

export function alertDefinitions(options: AlertRuleOptions = {}): AlertDefinition[] {
  const slo: SloThresholds = { ...DEFAULT_SLO, ...options.slo };
  const groupBy = options.groupBy ?? DEFAULT_GROUP_BY;
  const sel = options.selector;
  const runbookBase = options.runbookBase ?? DEFAULT_RUNBOOK_BASE;
  const lagTarget = options.queueLagPerReplica ?? DEFAULT_QUEUE_LAG_PER_REPLICA;
  const g = by(groupBy);
  const who = `InventoryBot ${groupBy.map((l) => `{{ $labels.${l} }}`).join('/')}`;
  const sumRate = (metric: string, window: string, matcher?: string) =>
    `sum ${g} (rate(${series(metric, sel, matcher)}[${window}]))`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum ${by([...groupBy, 'le'])} (rate(${series(`${METRICS.batchDurationSeconds}_bucket`, sel)}[5m])))`;

  const define = (
    alert: AlertName,
    signal: string,
    condition: string,
    rest: {
      for: string;
      severity: 'warning' | 'critical';
      summary: string;
      description: string;
      probes?: string[];
    },
  ): AlertDefinition => ({
    rule: {
      alert,
      expr: `${signal} ${condition}`.trim(),
      for: rest.for,
      labels: { severity: rest.severity },
      annotations: {
        summary: `${who}: ${rest.summary}`,
        description: rest.description,
        runbook_url: `${runbookBase}#${runbookAnchor(alert)}`,
      },
    },
    probes: rest.probes ?? [signal],
  });

  const itemErrors = sumRate(METRICS.itemsTotal, '5m', outcomeMatcher(ITEM_ERROR_OUTCOMES));
  const items = sumRate(METRICS.itemsTotal, '5m');
  const upWorkers = `count ${g} (${series('up', sel)} == 1)`;
  const seenWorkers = `count ${g} (last_over_time(${series(METRICS.info, sel)}[6h]))`;

  const defs: AlertDefinition[] = [
    define(ALERT_NAMES.errorRate, `${itemErrors} / ${items}`, `> ${num(slo.errorRatePercent / 100)}`, {
      for: '5m',
      severity: 'warning',
      summary: `item error rate above ${num(slo.errorRatePercent)}%`,
      description:
        'Failed and dead-lettered items were {{ $value | humanizePercentage }} of all items over 5 minutes. ' +
        'inventorybot_errors_total by error_code shows which errors dominate.',
      probes: [items, `${itemErrors} / ${items}`],
    }),
    define(
      ALERT_NAMES.retryRate,
      `${sumRate(METRICS.retriesTotal, '5m')} / ${items}`,
      `> ${num(slo.retryRatePercent / 100)}`,
      {
        for: '10m',
        severity: 'warning',
        summary: `retries above ${num(slo.retryRatePercent)}% of items`,
        description:
          'Upstream calls were retried for {{ $value | humanizePercentage }} of the items over 5 minutes: ' +
          'the upstream is slow or failing transiently. Check its latency and the circuit breaker.',
      },
    ),
    define(ALERT_NAMES.latencyP95, quantile(0.95), `> ${num(slo.batchP95Seconds)}`, {
      for: '10m',
      severity: 'warning',
      summary: `batch duration p95 above ${num(slo.batchP95Seconds)}s`,
      description:
        'The 95th percentile batch duration is {{ $value | humanizeDuration }}. Check upstream latency, ' +
        'retries and worker CPU.',
    }),
    define(ALERT_NAMES.latencyP99, quantile(0.99), `> ${num(slo.batchP99Seconds)}`, {
      for: '10m',
      severity: 'warning',
      summary: `batch duration p99 above ${num(slo.batchP99Seconds)}s`,
      description:
        'The 99th percentile batch duration is {{ $value | humanizeDuration }}. The slowest batches ' +
        'wait on retries with backoff or on a slow upstream.',
    }),
    define(
      ALERT_NAMES.consecutiveFailures,
      `max ${g} (${series(METRICS.consecutiveFailedBatches, sel)})`,
      `>= ${slo.consecutiveFailures}`,
      {
        for: '1m',
        severity: 'critical',
        summary: `${slo.consecutiveFailures} or more batches failed in a row`,
        description:
          'A worker has failed {{ $value }} batches in a row without one succeeding: the upstream is ' +
          'probably down, unreachable or rejecting the credentials.',
      },
    ),
    define(
      ALERT_NAMES.deadLetters,
      `sum ${g} (increase(${series(METRICS.deadLettersTotal, sel)}[15m]))`,
      '> 0',
      {
        for: '0m',
        severity: 'warning',
        summary: 'new entries in the dead-letter stream',
        description:
          'About {{ $value | humanize }} entries went to the dead-letter stream in the last 15 minutes. ' +
          'Inspect them with `inventorybot dlq list`, fix the cause, then replay.',
      },
    ),
  ];
  if (lagTarget > 0) {
    const lag = `max ${g} (${series(METRICS.queueLag, sel)})`;
    defs.push(
      define(ALERT_NAMES.queueLag, `${lag} / ${upWorkers}`, `> ${num(lagTarget)}`, {
        for: '15m',
        severity: 'warning',
        summary: `queue lag above ${num(lagTarget)} batches per worker for 15 minutes`,
        description:
          'Each ready worker has {{ $value | humanize }} undelivered batches ahead of it and the backlog ' +
          'is not shrinking' +
          (options.maxReplicas === undefined
            ? '. Check whether the autoscaler is at its maximum.'
            : `; the autoscaler is capped at ${options.maxReplicas} replicas.`),
        probes: [lag, upWorkers, `${lag} / ${upWorkers}`],
      }),
    );
  }
  if (lagTarget > 0) {
    // Warehouse shards (#13): one shard is worked by one worker, one batch at a time, so a shard whose
    // own lag passes what one replica should carry cannot be helped by scaling out. No series without shards.
    const shardLag = `max ${by([...groupBy, 'shard'])} (${series(METRICS.shardLag, sel)})`;
    defs.push(
      define(ALERT_NAMES.hotShard, shardLag, `> ${num(lagTarget)}`, {
        for: '15m',
        severity: 'warning',
        summary: `shard {{ $labels.shard }} has more than ${num(lagTarget)} batches waiting for 15 minutes`,
        description:
          'Warehouse shard {{ $labels.shard }} has {{ $value | humanize }} undelivered batches. A shard is ' +
          'worked by one worker, one batch at a time (that is what keeps each SKU in order), so more replicas ' +
          'do not drain it faster: its warehouses send more than one worker applies.',
      }),
    );
  }
  defs.push(
    define(
      ALERT_NAMES.availability,
      `${sumRate(METRICS.batchesTotal, '1h', 'outcome=~"success|partial"')} / ${sumRate(METRICS.batchesTotal, '1h')}`,
      `< ${num(slo.availabilityPercent / 100)}`,
      {
        for: '5m',
        severity: 'critical',
        summary: `successful batches below ${num(slo.availabilityPercent)}% over the last hour`,
        description:
          'Only {{ $value | humanizePercentage }} of the batches handled in the last hour were acknowledged ' +
          '(success or partial). Check the upstream, the worker logs (batch_error events) and the dead letters.',
      },
    ),
    // Outage signals of #11: workers pause intake rather than dead-letter healthy work, and a paused
    // fleet is otherwise quiet (no errors, no dead letters), so the pause itself must page.
    define(ALERT_NAMES.intakePaused, `max ${g} (${series(METRICS.intakePaused, sel)})`, '> 0', {
      for: '10m',
      severity: 'warning',
      summary: 'intake paused for 10 minutes: no upstream takes calls',
      description:
        'A worker has taken no new batches for 10 minutes because every upstream circuit is open (the ' +
        'upstream is down and no secondary answers). Batches wait in the stream; none is dead-lettered for ' +
        'the outage. Restore the upstream or set spec.upstream.secondaryUrl.',
    }),
    define(ALERT_NAMES.redisDown, `min ${g} (${series(METRICS.redisUp, sel)})`, '< 1', {
      for: '2m',
      severity: 'critical',
      summary: 'a worker cannot reach Redis',
      description:
        'A worker has been disconnected from Redis for 2 minutes: it can neither read nor acknowledge ' +
        'batches. Check the Redis pod, its Service, the Redis URL Secret and NetworkPolicies.',
    }),
    define(ALERT_NAMES.noWorkerUp, seenWorkers, `unless on (${groupBy.join(', ')}) (${upWorkers})`, {
      for: '5m',
      severity: 'critical',
      summary: 'no worker is up',
      description:
        'Workers of this bot reported metrics in the last 6 hours but none is being scraped successfully now: ' +
        'nothing is consuming the queue. Check the Deployment, its pods and their events.',
      probes: [seenWorkers, upWorkers],
    }),
  );
  return defs;
}

/** The alerts' group, then (per-bot rules only) the thresholds' recording rules. */
export function alertRuleGroups(
  options: AlertRuleOptions = {},
): [RuleGroup<PrometheusAlertRule>, ...Array<RuleGroup<PrometheusRecordingRule>>] {
  const name = options.groupName ?? 'inventorybot.slo';
  return [
    { name, rules: alertDefinitions(options).map((d) => d.rule) },
    ...(options.selector
      ? [
          {
            name: `${name}-thresholds`,
            rules: sloRecordingRules({ ...DEFAULT_SLO, ...options.slo }, options.selector),
          },
        ]
      : []),
  ];
}
