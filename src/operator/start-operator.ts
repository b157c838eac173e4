// Starts the operator in this process: HTTP endpoint, then (with leader election) waits for the
// lease and runs the controller while it holds it. main.ts and the tests both start it from here.
import { KubeConfig } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LEADER_ELECTION_LEASE } from '../api/names.ts';
import { Controller, CONTROLLER_NAME } from './controller.ts';
import { startHttpServer } from './http-server.ts';
import { kubeEventRecorder } from './kube/event-recorder.ts';
import {
  DEFAULT_LEADER_ELECTION_TIMING,
  LeaderElector,
  type LeaderElectionTiming,
} from './leader-election.ts';
import { createLogger, type Logger } from './logger.ts';
import { createOperatorMetrics } from './metrics.ts';

export interface OperatorOptions {
  kubeConfig?: KubeConfig;
  /** Namespaces to watch; undefined or empty: all. */
  namespaces?: string[];
  workers?: number;
  /** 0 picks a free port. */
  metricsPort?: number;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
  leaderElection?: Partial<LeaderElectionTiming>;
  /** Add the queue lag External metric to HPAs (the operator serves external.metrics.k8s.io). */
  externalMetrics?: boolean;
  resyncPeriodMs?: number;
  secretRecheckMs?: number;
  identity?: string;
  logger?: Logger;
  /** Called when leadership is lost; main.ts exits so a fresh process campaigns again. */
  onLeadershipLost?: () => void;
}

export interface OperatorHandle {
  metricsPort: number;
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
};

export async function startOperator(options: OperatorOptions = {}): Promise<OperatorHandle> {
  const kubeConfig = options.kubeConfig ?? defaultKubeConfig();
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  const logger = options.logger ?? createLogger('info', { component: CONTROLLER_NAME });
  const metrics = createOperatorMetrics();
  const leaderElect = options.leaderElect ?? false;
  let controller: Controller | undefined;
  let stopped = false;

  const newController = () =>
    new Controller({
      kubeConfig,
      namespaces: options.namespaces?.length ? options.namespaces : undefined,
      workers: options.workers ?? OPERATOR_DEFAULTS.workers,
      externalMetrics: options.externalMetrics ?? false,
      resyncPeriodMs: options.resyncPeriodMs ?? OPERATOR_DEFAULTS.resyncPeriodMs,
      secretRecheckMs: options.secretRecheckMs ?? OPERATOR_DEFAULTS.secretRecheckMs,
      permanentErrorRetryMs: OPERATOR_DEFAULTS.permanentErrorRetryMs,
      events: kubeEventRecorder(kubeConfig, logger, identity),
      logger,
      metrics,
    });

  const elector = leaderElect
    ? new LeaderElector({
        ...DEFAULT_LEADER_ELECTION_TIMING,
        ...definedOnly(options.leaderElection ?? {}),
        kubeConfig,
        namespace: options.leaseNamespace ?? OPERATOR_DEFAULTS.leaseNamespace,
        name: options.leaseName ?? LEADER_ELECTION_LEASE,
        identity,
        logger,
        onLeadingChange: (leading) =>
          metrics.leaderElectionMasterStatus.set({ name: CONTROLLER_NAME }, leading ? 1 : 0),
      })
    : undefined;

  const http = await startHttpServer({
    port: options.metricsPort ?? OPERATOR_DEFAULTS.metricsPort,
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
    identity,
    isLeader: () => (elector ? elector.isLeader() : true),
    controller: () => controller,
    async stop() {
      stopped = true;
      await controller?.stop();
      await elector?.stop();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
      http.server.closeAllConnections();
      logger.info('operator stopped', { identity });
    },
  };
}

/** KUBECONFIG, ~/.kube/config or the in-cluster service account, like kubectl. */
export function defaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
