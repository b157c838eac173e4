// Every metric the operator exposes. controller-runtime's and client-go's names where they fit, so
// existing dashboards and alerts for Go operators work unchanged; inventorybot_operator_* for the rest.
export const METRIC_NAMES = {
  reconcileTotal: 'controller_runtime_reconcile_total',
  reconcileErrorsTotal: 'controller_runtime_reconcile_errors_total',
  reconcileTimeSeconds: 'controller_runtime_reconcile_time_seconds',
  maxConcurrentReconciles: 'controller_runtime_max_concurrent_reconciles',
  activeWorkers: 'controller_runtime_active_workers',
  workqueueDepth: 'workqueue_depth',
  workqueueAddsTotal: 'workqueue_adds_total',
  workqueueRetriesTotal: 'workqueue_retries_total',
  workqueueQueueDurationSeconds: 'workqueue_queue_duration_seconds',
  workqueueWorkDurationSeconds: 'workqueue_work_duration_seconds',
  leaderElectionMasterStatus: 'leader_election_master_status',
  watchRestartsTotal: 'inventorybot_operator_watch_restarts_total',
  watchLastEventAgeSeconds: 'inventorybot_operator_watch_last_event_age_seconds',
  watchUp: 'inventorybot_operator_watch_up',
  watchEventsTotal: 'inventorybot_operator_watch_events_total',
  appliesTotal: 'inventorybot_operator_applies_total',
  applySkippedTotal: 'inventorybot_operator_apply_skipped_total',
} as const;

/** Values of the `result` label of controller_runtime_reconcile_total. */
export const RECONCILE_RESULTS = {
  success: 'success',
  error: 'error',
  requeueAfter: 'requeue_after',
} as const;
