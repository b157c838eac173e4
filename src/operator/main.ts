// `npm run operator` / `make run`: the operator against the current kubeconfig (or in-cluster).
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, type LogLevel } from '../contracts/logger.ts';
import { OPERATOR_DEFAULTS, startOperator } from './start-operator.ts';

const USAGE = `usage: operator [--namespaces a,b] [--workers N] [--metrics-port P] [--metrics-address A] [--leader-elect]
                [--lease-namespace NS] [--lease-owner-deployment NAME] [--external-metrics --tls-cert-file F --tls-key-file F
                [--external-metrics-port P] [--external-metrics-address A]]
--external-metrics: serve external.metrics.k8s.io (queue lag) over HTTPS and add it to each bot's HPA.
--lease-owner-deployment: the operator's Deployment in the lease namespace; it owns the Lease, so deleting it
(helm uninstall) deletes the Lease too.
Environment: KUBECONFIG; WATCH_NAMESPACES, WORKERS, METRICS_PORT, METRICS_ADDRESS, LEADER_ELECT, POD_NAMESPACE (lease
namespace), OPERATOR_DEPLOYMENT (lease owner), EXTERNAL_METRICS, EXTERNAL_METRICS_PORT, TLS_CERT_FILE, TLS_KEY_FILE; LEASE_DURATION_MS,
RENEW_DEADLINE_MS, RETRY_PERIOD_MS; QUEUE_REFRESH_MS (status.queue refresh period, default 30000).`;

const env = process.env;
const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: env.WATCH_NAMESPACES ?? '' },
    workers: { type: 'string', default: env.WORKERS ?? String(OPERATOR_DEFAULTS.workers) },
    'metrics-port': { type: 'string', default: env.METRICS_PORT ?? String(OPERATOR_DEFAULTS.metricsPort) },
    'metrics-address': { type: 'string', default: env.METRICS_ADDRESS ?? '0.0.0.0' },
    'leader-elect': { type: 'boolean', default: env.LEADER_ELECT === 'true' },
    'lease-namespace': { type: 'string', default: env.POD_NAMESPACE ?? OPERATOR_DEFAULTS.leaseNamespace },
    // Set by the chart (#10); unset outside a cluster, where the Lease has no owner.
    'lease-owner-deployment': { type: 'string', default: env.OPERATOR_DEPLOYMENT ?? '' },
    'external-metrics': { type: 'boolean', default: env.EXTERNAL_METRICS === 'true' },
    'external-metrics-port': {
      type: 'string',
      default: env.EXTERNAL_METRICS_PORT ?? String(OPERATOR_DEFAULTS.externalMetricsPort),
    },
    'external-metrics-address': { type: 'string', default: env.EXTERNAL_METRICS_ADDRESS ?? '0.0.0.0' },
    'tls-cert-file': { type: 'string', default: env.TLS_CERT_FILE ?? '' },
    'tls-key-file': { type: 'string', default: env.TLS_KEY_FILE ?? '' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const logger = createLogger({
  level: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
  base: { component: 'inventorybot-operator' },
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

// A KUBECONFIG naming no existing file: one clear line instead of client-node's ENOENT stack trace (#9).
const kubeconfigFiles = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
if (kubeconfigFiles.length > 0 && !kubeconfigFiles.some((file) => existsSync(file))) {
  logger.error(`KUBECONFIG names no existing file: ${kubeconfigFiles.join(delimiter)}`);
  process.exit(2);
}

const externalMetrics = values['external-metrics'];
if (externalMetrics && (!values['tls-cert-file'] || !values['tls-key-file'])) {
  logger.error(
    '--external-metrics needs --tls-cert-file and --tls-key-file (the APIService serving certificate)',
  );
  process.exit(2);
}

const handle = await startOperator({
  namespaces: values.namespaces
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  workers: positiveInt('--workers', values.workers),
  metricsPort: positiveInt('--metrics-port', values['metrics-port']),
  metricsHost: values['metrics-address'],
  leaderElect: values['leader-elect'],
  leaseNamespace: values['lease-namespace'],
  leaseOwnerDeployment: values['lease-owner-deployment'] || undefined,
  externalMetrics,
  externalMetricsServer: externalMetrics
    ? {
        port: positiveInt('--external-metrics-port', values['external-metrics-port']) ?? 0,
        host: values['external-metrics-address'],
        certFile: values['tls-cert-file'],
        keyFile: values['tls-key-file'],
      }
    : undefined,
  leaderElection: {
    leaseDurationMs: positiveInt('LEASE_DURATION_MS', env.LEASE_DURATION_MS),
    renewDeadlineMs: positiveInt('RENEW_DEADLINE_MS', env.RENEW_DEADLINE_MS),
    retryPeriodMs: positiveInt('RETRY_PERIOD_MS', env.RETRY_PERIOD_MS),
  },
  queueRefreshMs: positiveInt('QUEUE_REFRESH_MS', env.QUEUE_REFRESH_MS),
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
