// The simulator's own metrics, on a registry of its own (several simulators can share a process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LedgerSummary } from './ledger.ts';

export function createSimulatorMetrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'inventorybot_simulator_requests_total',
    help: 'Apply requests by HTTP status (0: connection reset by an outage).',
    labelNames: ['status'],
    registers: [registry],
  });
  const injectedFailures = new Counter({
    name: 'inventorybot_simulator_injected_failures_total',
    help: 'Injected transient failures, before or after the effect was applied.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'inventorybot_simulator_request_duration_seconds',
    help: 'Apply request duration.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const ledgerGauge = new Gauge({
    name: 'inventorybot_simulator_ledger',
    help: 'Ledger figures: applied keys, effects, duplicate effects, replays, conflicts.',
    labelNames: ['figure'],
    registers: [registry],
  });
  return {
    registry,
    requests,
    injectedFailures,
    duration,
    setLedger(summary: LedgerSummary) {
      for (const [figure, value] of Object.entries(summary)) ledgerGauge.set({ figure }, value);
    },
  };
}
