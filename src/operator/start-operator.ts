// Starts the operator in this process: HTTP endpoint, then (with leader election) waits for the
// lease and runs the controller while it holds it. main.ts and the tests both start it from here.
import type { V1Secret } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LEADER_ELECTION_LEASE } from '../api/names.ts';
import { inventoryBotReader } from './kube/inventory-bot-reader.ts';
import { Controller, CONTROLLER_NAME } from './controller.ts';
import { queueStatusSource } from './external-metrics/queue-status-source.ts';
import { QueueReader } from './external-metrics/queue-reader.ts';
import { RedisPool } from './external-metrics/redis-pool.ts';
import { startExternalMetricsServer, type ExternalMetricsServer } from './external-metrics/server.ts';
import { startHttpServer } from './http-server.ts';
import { kubeEventRecorder } from './kube/event-recorder.ts';
import { defaultKubeAccess, type KubeAccess } from './kube/kube-access.ts';
import { kubeRequest, objectPath } from './kube/kube-request.ts';
import type { WatchSupervisionOptions } from './kube/informer-supervisor.ts';
import { withRequestTimeout } from './kube/request-timeout.ts';
import { withSharedConnections } from './kube/shared-connections.ts';
import {
  DEFAULT_LEADER_ELECTION_TIMING,
  LeaderElector,
  type LeaderElectionTiming,
} from './leader-election.ts';
import { createLogger, type Logger } from '../contracts/logger.ts';
import { createOperatorMetrics } from './metrics.ts';
import { rememberingSecretReader } from '../contracts/redaction.ts';

export interface OperatorOptions {
  kubeConfig?: KubeAccess;
  /**
   * Bound on every non-watch API request (headers and body), so a half-dead connection fails the
   * request instead of holding a bot's key for minutes; 0 disables it. Watches are not bounded.
   */
  requestTimeoutMs?: number;
  /** Namespaces to watch; undefined or empty: all. */
  namespaces?: string[];
  workers?: number;
  /** 0 picks a free port. */
  metricsPort?: number;
  /** Address of the metrics and probe server; all interfaces by default (in a pod). */
  metricsHost?: string;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  /** The operator's own Deployment in leaseNamespace, to own the Lease (#10): it goes on uninstall. */
  leaseOwnerDeployment?: string;
  leaderElection?: Partial<LeaderElectionTiming>;
  /** Add the queue lag External metric to HPAs (the operator serves external.metrics.k8s.io). */
  externalMetrics?: boolean;
  /**
   * Serve external.metrics.k8s.io over HTTPS (on every replica, leader or not). Needs a serving
   * certificate; port 0 picks a free port.
   */
  externalMetricsServer?: { port: number; host?: string; certFile: string; keyFile: string };
  /** Bound on reading a bot's queue figures for status.queue during a reconcile. */
  queueReadTimeoutMs?: number;
  /** Reconcile a bot whose queue answers again this much later, so status.queue stays fresh. */
  queueRefreshMs?: number;
  resyncPeriodMs?: number;
  /** Informer supervision tuning (silence before a re-list, restart backoff); defaults when absent. */
  watch?: WatchSupervisionOptions;
  secretRecheckMs?: number;
  identity?: string;
  logger?: Logger;
  /** Called when leadership is lost; main.ts exits so a fresh process campaigns again. */
  onLeadershipLost?: () => void;
}

export interface OperatorHandle {
  metricsPort: number;
  /** Port of the external metrics server, when it runs. */
  externalMetricsPort: number | undefined;
  identity: string;
  isLeader(): boolean;
  controller(): Controller | undefined;
  stop(): Promise<void>;
}

export const OPERATOR_DEFAULTS = {
  workers: 4,
  metricsPort: 8080,
  leaseNamespace: 'default',
  resyncPeriodMs: 10 * 60_000,
  secretRecheckMs: 15_000,
  permanentErrorRetryMs: 5 * 60_000,
  externalMetricsPort: 6443,
  queueReadTimeoutMs: 1000,
  queueRefreshMs: 30_000,
  requestTimeoutMs: 30_000,
};

export async function startOperator(options: OperatorOptions = {}): Promise<OperatorHandle> {
  const requestTimeoutMs = options.requestTimeoutMs ?? OPERATOR_DEFAULTS.requestTimeoutMs;
  const givenKubeConfig = withSharedConnections(options.kubeConfig ?? (await defaultKubeAccess()));
  const kubeConfig =
    requestTimeoutMs > 0 ? withRequestTimeout(givenKubeConfig, requestTimeoutMs) : givenKubeConfig;
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const logger = options.logger ?? createLogger({ level: 'info', base: { component: CONTROLLER_NAME } });
  const metrics = createOperatorMetrics();
  const leaderElect = options.leaderElect ?? false;
  let controller: Controller | undefined;
  let stopped = false;
  const queueReadTimeoutMs = options.queueReadTimeoutMs ?? OPERATOR_DEFAULTS.queueReadTimeoutMs;
  // One Redis client per distinct URL, for status.queue and the external metrics alike.
  const redisPool = new RedisPool({ logger, timeoutMs: queueReadTimeoutMs });
  const readSecret = rememberingSecretReader((namespace, name) =>
    kubeRequest<V1Secret>(kubeConfig, { method: 'GET', path: objectPath('v1', 'Secret', namespace, name) }),
  );
  // Separate caches: the metrics server wants fresh figures, status.queue stable ones.
  const statusReader = new QueueReader({ pool: redisPool, readSecret });
  const queueRefreshMs = options.queueRefreshMs ?? OPERATOR_DEFAULTS.queueRefreshMs;
  const readQueueStatus = queueStatusSource({
    reader: statusReader,
    logger,
    timeoutMs: queueReadTimeoutMs,
    // Long enough that the reconcile our own status write triggers finds the same figures, short
    // enough that the periodic requeue reads fresh ones.
    maxAgeMs: Math.min(15_000, Math.max(1000, queueRefreshMs / 2)),
  });

  const newController = () =>
    new Controller({
      kubeConfig,
      namespaces: options.namespaces?.length ? options.namespaces : undefined,
      workers: options.workers ?? OPERATOR_DEFAULTS.workers,
      externalMetrics: options.externalMetrics ?? false,
      resyncPeriodMs: options.resyncPeriodMs ?? OPERATOR_DEFAULTS.resyncPeriodMs,
      watch: options.watch,
      secretRecheckMs: options.secretRecheckMs ?? OPERATOR_DEFAULTS.secretRecheckMs,
      permanentErrorRetryMs: OPERATOR_DEFAULTS.permanentErrorRetryMs,
      events: kubeEventRecorder(kubeConfig, logger, identity),
      logger,
      metrics,
      readQueueStatus,
      queueRefreshMs,
    });

  let externalMetrics: ExternalMetricsServer | undefined;
  if (options.externalMetricsServer) {
    const readBot = inventoryBotReader(kubeConfig);
    externalMetrics = await startExternalMetricsServer({
      ...options.externalMetricsServer,
      kubeConfig,
      readBotSpec: async (namespace, name) => (await readBot(namespace, name)).spec,
      reader: new QueueReader({ pool: redisPool, readSecret }),
      logger,
    });
  }

  const elector = leaderElect
    ? new LeaderElector({
        ...DEFAULT_LEADER_ELECTION_TIMING,
        ...definedOnly(options.leaderElection ?? {}),
        kubeConfig,
        namespace: options.leaseNamespace ?? OPERATOR_DEFAULTS.leaseNamespace,
        name: options.leaseName ?? LEADER_ELECTION_LEASE,
        ...(options.leaseOwnerDeployment ? { ownerDeployment: options.leaseOwnerDeployment } : {}),
        identity,
        logger,
        onLeadingChange: (leading) =>
          metrics.leaderElectionMasterStatus.set({ name: CONTROLLER_NAME }, leading ? 1 : 0),
      })
    : undefined;

  const http = await startHttpServer({
    port: options.metricsPort ?? OPERATOR_DEFAULTS.metricsPort,
    host: options.metricsHost,
    registry: metrics.registry,
    // A standby is ready (it is doing its job: waiting); a leader once its caches are synced.
    ready: () => (controller ? controller.isSynced() : leaderElect && !stopped),
    beforeScrape: () => controller?.refreshWatchMetrics(),
  });
  logger.info('operator starting', { identity, metricsPort: http.port, leaderElect });

  const runController = async () => {
    controller = newController();
    await controller.start();
  };

  if (elector) {
    void (async () => {
      if (!(await elector.acquire()) || stopped) return;
      await runController();
      await elector.holdLeadership();
      if (stopped) return;
      // Lost the lease: stop reconciling at once; another process may already be leading.
      await controller?.stop();
      controller = undefined;
      options.onLeadershipLost?.();
    })().catch((error: unknown) => logger.error('leader election failed', { error }));
  } else {
    await runController();
  }

  return {
    metricsPort: http.port,
    externalMetricsPort: externalMetrics?.port,
    identity,
    isLeader: () => (elector ? elector.isLeader() : true),
    controller: () => controller,
    async stop() {
      stopped = true;
      await controller?.stop();
      await elector?.stop();
      await externalMetrics?.stop();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      http.server.closeAllConnections();
      await redisPool.close();
      logger.info('operator stopped', { identity });
    },
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
