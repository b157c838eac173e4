// `npm run operator` / `make run`: the operator against the current kubeconfig (or in-cluster).
import { parseArgs } from 'node:util';
import { createLogger } from './logger.ts';
import { OPERATOR_DEFAULTS, startOperator } from './start-operator.ts';

const USAGE = `usage: operator [--namespaces a,b] [--workers N] [--metrics-port P] [--leader-elect]
                [--lease-namespace NS] [--external-metrics]
Environment: KUBECONFIG; WATCH_NAMESPACES, WORKERS, METRICS_PORT, LEADER_ELECT, POD_NAMESPACE (lease
namespace), EXTERNAL_METRICS; LEASE_DURATION_MS, RENEW_DEADLINE_MS, RETRY_PERIOD_MS.`;

const env = process.env;
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: env.WATCH_NAMESPACES ?? '' },
    workers: { type: 'string', default: env.WORKERS ?? String(OPERATOR_DEFAULTS.workers) },
    'metrics-port': { type: 'string', default: env.METRICS_PORT ?? String(OPERATOR_DEFAULTS.metricsPort) },
    'leader-elect': { type: 'boolean', default: env.LEADER_ELECT === 'true' },
    'lease-namespace': { type: 'string', default: env.POD_NAMESPACE ?? OPERATOR_DEFAULTS.leaseNamespace },
    'external-metrics': { type: 'boolean', default: env.EXTERNAL_METRICS === 'true' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const logger = createLogger((env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'info', {
  component: 'inventorybot-operator',
});
const positiveInt = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    logger.error(`${name} must be a non-negative integer`, { value: raw });
    process.exit(2);
  }
  return n;
};

const handle = await startOperator({
  namespaces: values.namespaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  workers: positiveInt('--workers', values.workers),
  metricsPort: positiveInt('--metrics-port', values['metrics-port']),
  leaderElect: values['leader-elect'],
  leaseNamespace: values['lease-namespace'],
  externalMetrics: values['external-metrics'],
  leaderElection: {
    leaseDurationMs: positiveInt('LEASE_DURATION_MS', env.LEASE_DURATION_MS),
    renewDeadlineMs: positiveInt('RENEW_DEADLINE_MS', env.RENEW_DEADLINE_MS),
    retryPeriodMs: positiveInt('RETRY_PERIOD_MS', env.RETRY_PERIOD_MS),
  },
  logger,
  onLeadershipLost: () => process.exit(1),
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('shutting down', { signal });
    handle.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}
