// The operator's Prometheus metrics, in a registry of their own so several operators can live in one
// process (tests) without name clashes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRIC_NAMES } from '../contracts/operator-metric-names.ts';

// controller-runtime's reconcile buckets and client-go's work queue buckets.
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10];

export function createOperatorMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconcileTotal: new Counter({
      name: METRIC_NAMES.reconcileTotal,
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrorsTotal: new Counter({
      name: METRIC_NAMES.reconcileErrorsTotal,
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTimeSeconds: new Histogram({
      name: METRIC_NAMES.reconcileTimeSeconds,
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: METRIC_NAMES.maxConcurrentReconciles,
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    activeWorkers: new Gauge({
      name: METRIC_NAMES.activeWorkers,
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    }),
    workqueueDepth: new Gauge({
      name: METRIC_NAMES.workqueueDepth,
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
    }),
    workqueueAddsTotal: new Counter({
      name: METRIC_NAMES.workqueueAddsTotal,
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    workqueueRetriesTotal: new Counter({
      name: METRIC_NAMES.workqueueRetriesTotal,
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    workqueueQueueDurationSeconds: new Histogram({
      name: METRIC_NAMES.workqueueQueueDurationSeconds,
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    workqueueWorkDurationSeconds: new Histogram({
      name: METRIC_NAMES.workqueueWorkDurationSeconds,
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    leaderElectionMasterStatus: new Gauge({
      name: METRIC_NAMES.leaderElectionMasterStatus,
      help: 'Whether this process is the leader (1) or not (0)',
      labelNames: ['name'],
      registers,
    }),
    watchRestartsTotal: new Counter({
      name: METRIC_NAMES.watchRestartsTotal,
      help: 'Restarts of a watch after an error, by resource',
      labelNames: ['resource'],
      registers,
    }),
    watchLastEventAgeSeconds: new Gauge({
      name: METRIC_NAMES.watchLastEventAgeSeconds,
      help: 'Seconds since a watch last delivered an event or (re)listed, by resource',
      labelNames: ['resource'],
      registers,
    }),
    watchUp: new Gauge({
      name: METRIC_NAMES.watchUp,
      help: 'Whether a watch is connected (1) or restarting (0), by resource',
      labelNames: ['resource'],
      registers,
    }),
    watchEventsTotal: new Counter({
      name: METRIC_NAMES.watchEventsTotal,
      help: 'Events delivered by a watch, by resource and type',
      labelNames: ['resource', 'type'],
      registers,
    }),
    appliesTotal: new Counter({
      name: METRIC_NAMES.appliesTotal,
      help: 'Server-side apply requests sent for owned objects, by kind',
      labelNames: ['kind'],
      registers,
    }),
    applySkippedTotal: new Counter({
      name: METRIC_NAMES.applySkippedTotal,
      help: 'Applies of owned objects skipped because the cached object already matched, by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
