// Leader election on a coordination.k8s.io Lease, with controller-runtime's timing: a lease lasts
// 15 s, the leader renews every 2 s and gives up if it could not renew for 10 s; candidates retry
// every 2 s. Writes use the Lease's resourceVersion, so two candidates can never both win.
import { CoordinationV1Api, KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './errors.ts';
import type { Logger } from './logger.ts';

export interface LeaderElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION_TIMING: LeaderElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export interface LeaderElectionOptions extends LeaderElectionTiming {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  onLeadingChange?: (leading: boolean) => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

const toMs = (time: Date | string | undefined): number | undefined =>
  time === undefined ? undefined : new Date(time).getTime();

export class LeaderElector {
  private readonly options: LeaderElectionOptions;
  private readonly api: CoordinationV1Api;
  private readonly abort = new AbortController();
  // The last record seen and when this process saw it change: a candidate never trusts the holder's
  // clock alone (a renewTime in the future would block it forever).
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private leading = false;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves true once this process holds the lease, false when stopped first. */
  async acquire(): Promise<boolean> {
    const { retryPeriodMs, logger, namespace, name, identity } = this.options;
    logger.info('waiting for leadership', { lease: `${namespace}/${name}`, identity });
    while (!this.abort.signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.setLeading(true);
        logger.info('became leader', { lease: `${namespace}/${name}`, identity });
        return true;
      }
      await sleep(retryPeriodMs, this.abort.signal);
    }
    return false;
  }

  /** Renews until renewal fails for renewDeadline (resolves: leadership lost) or stop(). */
  async holdLeadership(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs, logger } = this.options;
    let lastRenew = Date.now();
    while (!this.abort.signal.aborted) {
      await sleep(retryPeriodMs, this.abort.signal);
      if (this.abort.signal.aborted) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= renewDeadlineMs) {
        logger.error('leadership lost: lease not renewed within the renew deadline', { renewDeadlineMs });
        this.setLeading(false);
        return;
      }
    }
  }

  /** Stops electing; a leader gives the lease up so the next candidate takes over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (!this.leading) return;
    this.setLeading(false);
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      await this.api.replaceNamespacedLease({
        namespace: this.options.namespace,
        name: this.options.name,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: undefined,
            leaseDurationSeconds: 1,
            renewTime: new V1MicroTime(),
          },
        },
      });
      this.options.logger.info('released leadership', { identity: this.options.identity });
    } catch (error) {
      this.options.logger.warn('could not release the lease', { error });
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.options.onLeadingChange?.(leading);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({
        namespace: this.options.namespace,
        name: this.options.name,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, logger } = this.options;
    const now = new V1MicroTime();
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    try {
      const lease = await this.read();
      if (!lease) {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder !== identity && holder !== '' && !this.expired(lease)) return false;
      const takingOver = holder !== identity;
      await this.api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime: now,
            acquireTime: takingOver ? now : spec.acquireTime,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
          },
        },
      });
      return true;
    } catch (error) {
      if (!isConflict(error)) logger.warn('lease update failed', { error });
      return false;
    }
  }

  /** Expired when leaseDuration has passed since the later-trusted of: renewTime, or when we saw it change. */
  private expired(lease: V1Lease): boolean {
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = String(toMs(spec.renewTime) ?? 0);
    const now = Date.now();
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: now };
    }
    // renewTime counts only when it is not later than our own observation (guards against clock skew).
    const since = Math.min(this.observed.at, Number(renewTime) || this.observed.at);
    return now > since + (spec.leaseDurationSeconds ?? 15) * 1000;
  }
}
