// Leader election on a coordination.k8s.io Lease, with controller-runtime's timing: a lease lasts
// 15 s, the leader renews every 2 s and gives up if it could not renew for 10 s; candidates retry
// every 2 s. Writes use the Lease's resourceVersion, so two candidates can never both win.
//
// Safe under clock skew (#14), as client-go's leaderelection: no process ever reads another host's
// timestamps. A candidate judges the lease by when *it* last saw the record change (any new
// resourceVersion), on its own monotonic clock: the lease is free once leaseDuration has passed
// since then. The leader gives up once renewDeadline (< leaseDuration) has passed, on its own
// monotonic clock, since the start of its last successful renewal. So a candidate cannot take over
// before the leader has stopped, whatever the hosts' wall clocks say (only clock *rates* matter).
// renewTime/acquireTime are still written (wall clock) for people reading the Lease.
//
// In a cluster the Lease is owned by the operator's own Deployment (#10): `helm uninstall` deletes the
// Deployment and Kubernetes' garbage collector the Lease with it. The owner is read once (its UID) and
// added on every write that lacks it, so a Lease made by an older version gets it at the next renewal.
import type { V1Deployment, V1Lease, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { httpStatusOf, isConflict, isNotFound } from './errors.ts';
import type { Logger } from '../contracts/logger.ts';
import type { KubeAccess } from './kube/kube-access.ts';
import { kubeRequest, objectPath } from './kube/kube-request.ts';

const LEASE_API_VERSION = 'coordination.k8s.io/v1';

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
  kubeConfig: KubeAccess;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  onLeadingChange?: (leading: boolean) => void;
  /** Monotonic milliseconds (default performance.now): every duration is measured on it. */
  monotonicNow?: () => number;
  /** Wall clock for the informational renewTime/acquireTime (injectable to test skew). */
  wallClock?: () => Date;
  /**
   * The operator's Deployment, in `namespace`, to own the Lease (#10); none outside a cluster. Read
   * before the first write; while it cannot be read (a transient error) the Lease is written without it.
   */
  ownerDeployment?: string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

export class LeaderElector {
  private readonly options: LeaderElectionOptions;
  private readonly abort = new AbortController();
  // The last record seen and when (our monotonic clock) this process saw it change.
  private observed: { resourceVersion: string; at: number } | undefined;
  // When, on our monotonic clock, the lease another candidate holds expires (0: none seen).
  private freeAt = 0;
  private leading = false;
  private acquiredAt = 0;
  private readonly now: () => number;
  // The Lease's owner once read; `ownerPending` while the Deployment is still to be read.
  private owner: V1OwnerReference | undefined;
  private ownerPending: boolean;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
    this.now = options.monotonicNow ?? (() => performance.now());
    this.ownerPending = Boolean(options.ownerDeployment);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves true once this process holds the lease, false when stopped first. */
  async acquire(): Promise<boolean> {
    const { retryPeriodMs, logger, namespace, name, identity } = this.options;
    logger.info('waiting for leadership', { lease: `${namespace}/${name}`, identity });
    while (!this.abort.signal.aborted) {
      const attempt = this.now();
      if (await this.tryAcquireOrRenew()) {
        this.acquiredAt = attempt;
        this.setLeading(true);
        logger.info('became leader', { lease: `${namespace}/${name}`, identity });
        return true;
      }
      await sleep(this.untilNextAttemptMs(retryPeriodMs), this.abort.signal);
    }
    return false;
  }

  /**
   * A candidate retries every retryPeriod, but no later than the moment the held lease it saw expires
   * on its clock: otherwise a take-over lands up to a retry period after that (worst case lease 15 s
   * + 2 s to see the last renewal + 2 s to the next retry = 19 s, against the 20 s a hand-over may
   * take; a CI run measured 17.7 s). Safety is unchanged: expiry is judged exactly as before.
   */
  private untilNextAttemptMs(retryPeriodMs: number): number {
    const untilFree = this.freeAt - this.now();
    return untilFree > 0 ? Math.min(retryPeriodMs, untilFree) : retryPeriodMs;
  }

  /** Renews until renewal fails for renewDeadline (resolves: leadership lost) or stop(). */
  async holdLeadership(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs, logger } = this.options;
    let lastRenew = this.acquiredAt;
    while (!this.abort.signal.aborted) {
      await sleep(retryPeriodMs, this.abort.signal);
      if (this.abort.signal.aborted) return;
      // Measured from before the request: the write may land any time after this instant.
      const attempt = this.now();
      // A renewal that hangs (a slow API server) must not keep us leading past the deadline.
      const renewed = await Promise.race([
        this.tryAcquireOrRenew(),
        sleep(Math.max(0, lastRenew + renewDeadlineMs - attempt), this.abort.signal).then(() => false),
      ]);
      if (this.abort.signal.aborted) return;
      if (renewed) {
        lastRenew = attempt;
      } else if (this.now() - lastRenew >= renewDeadlineMs) {
        logger.error('leadership lost: lease not renewed within the renew deadline', { renewDeadlineMs });
        this.setLeading(false);
        return;
      }
    }
  }

  /**
   * Stops electing; a leader gives the lease up so the next candidate takes over at once
   * (`release: false`, for tests: stops as a crash would, leaving the lease to expire).
   */
  async stop({ release = true }: { release?: boolean } = {}): Promise<void> {
    this.abort.abort();
    if (!this.leading) return;
    if (!release) return this.setLeading(false);
    this.setLeading(false);
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      await this.write('PUT', {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: undefined,
          leaseDurationSeconds: 1,
          renewTime: this.wallTime(),
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
      return await kubeRequest<V1Lease>(this.options.kubeConfig, {
        method: 'GET',
        path: objectPath(LEASE_API_VERSION, 'Lease', this.options.namespace, this.options.name),
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs, logger } = this.options;
    const now = this.wallTime();
    const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    try {
      await this.readOwner();
      const lease = await this.read();
      if (!lease) {
        await this.write('POST', {
          metadata: this.withOwner({ name, namespace }),
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder !== identity && holder !== '' && !this.expired(lease)) return false;
      const takingOver = holder !== identity;
      await this.write('PUT', {
        ...lease,
        metadata: this.withOwner(lease.metadata ?? {}),
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          renewTime: now,
          acquireTime: takingOver ? now : spec.acquireTime,
          leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder !== '' ? 1 : 0),
        },
      });
      return true;
    } catch (error) {
      if (!isConflict(error)) logger.warn('lease update failed', { error });
      return false;
    }
  }

  /**
   * Reads the owner Deployment's UID, once. Gone or not readable (no RBAC for it): a warning, and the
   * Lease stays unowned as before; any other error is retried before the next write.
   */
  private async readOwner(): Promise<void> {
    const { ownerDeployment: name, namespace, kubeConfig, logger } = this.options;
    if (!this.ownerPending || !name) return;
    try {
      const deployment = await kubeRequest<V1Deployment>(kubeConfig, {
        method: 'GET',
        path: objectPath('apps/v1', 'Deployment', namespace, name),
      });
      const uid = deployment.metadata?.uid;
      if (uid) this.owner = { apiVersion: 'apps/v1', kind: 'Deployment', name, uid };
      this.ownerPending = false;
      logger.info('lease owner', { deployment: `${namespace}/${name}`, uid });
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404 || status === 403) this.ownerPending = false;
      logger.warn(
        this.ownerPending
          ? 'could not read the lease owner Deployment; retrying before the next lease write'
          : 'the lease owner Deployment cannot be read: the Lease stays after uninstall',
        { deployment: `${namespace}/${name}`, error },
      );
    }
  }

  /** `metadata` with the owner added when it lacks it (other owners are kept). */
  private withOwner(metadata: V1ObjectMeta): V1ObjectMeta {
    const owner = this.owner;
    const owners = metadata.ownerReferences ?? [];
    if (!owner || owners.some((o) => o.uid === owner.uid)) return metadata;
    return { ...metadata, ownerReferences: [...owners, owner] };
  }

  /**
   * Expired when leaseDuration has passed, on our monotonic clock, since we saw the record change
   * (client-go's observedTime): the holder's renewTime is never compared with our clock.
   */
  private expired(lease: V1Lease): boolean {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    const now = this.now();
    if (this.observed?.resourceVersion !== resourceVersion) this.observed = { resourceVersion, at: now };
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    this.freeAt = this.observed.at + durationMs;
    return leaseExpired(this.observed.at, now, durationMs);
  }

  /** Creates (POST) or replaces (PUT, conditional on the body's resourceVersion) the Lease. */
  private async write(method: 'POST' | 'PUT', body: object): Promise<void> {
    const { kubeConfig, namespace, name } = this.options;
    await kubeRequest(kubeConfig, {
      method,
      path: objectPath(LEASE_API_VERSION, 'Lease', namespace, method === 'PUT' ? name : undefined),
      body,
    });
  }

  /** A MicroTime: RFC 3339 with exactly six fractional digits, as the API server reads it. */
  private wallTime(): string {
    return (this.options.wallClock?.() ?? new Date()).toISOString().replace(/Z$/, '000Z');
  }
}

/** client-go's rule: free once leaseDuration has passed since the record was last seen to change. */
export function leaseExpired(observedAt: number, now: number, leaseDurationMs: number): boolean {
  return now >= observedAt + leaseDurationMs;
}
