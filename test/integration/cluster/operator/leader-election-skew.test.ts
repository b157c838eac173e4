// Leader election under clock skew (#14): three electors on one real Lease, their wall clocks 30 s
// behind, right, and 30 s ahead. At no instant do two of them lead, neither while the first leader
// renews nor when it crashes (stops renewing without releasing) and another takes over.
import { jest } from '@jest/globals';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { LeaderElector } from '../../../../src/operator/leader-election.ts';
import { prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';

jest.setTimeout(120_000);

const ns = 'operator-leader-skew';
const LEASE = 'skewed-lease';
let operatorConfig: KubeConfig;

beforeAll(async () => {
  ({ kubeConfig: operatorConfig } = await prepareOperatorNamespace(ns));
});

interface Interval {
  who: string;
  from: number;
  to: number;
}

it('a single leader at every instant with wall clocks 30 s apart, across a crash and a handover', async () => {
  const intervals: Interval[] = [];
  const open = new Map<string, number>();
  const elector = (who: string, skewMs: number) =>
    new LeaderElector({
      kubeConfig: operatorConfig,
      namespace: ns,
      name: LEASE,
      identity: who,
      logger: createLogger({ level: 'error' }),
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 250,
      wallClock: () => new Date(Date.now() + skewMs),
      onLeadingChange: (leading) => {
        if (leading) open.set(who, performance.now());
        else {
          intervals.push({ who, from: open.get(who) ?? 0, to: performance.now() });
          open.delete(who);
        }
      },
    });
  const behind = elector('behind', -30_000);
  const right = elector('right', 0);
  const ahead = elector('ahead', 30_000);

  expect(await behind.acquire()).toBe(true);
  const holding = behind.holdLeadership();
  const contenders = [right, ahead].map(async (e) => {
    if (await e.acquire()) await e.holdLeadership();
  });

  // Let the others contend through several renewals of the (30 s behind) leader.
  const leases = operatorConfig.makeApiClient(CoordinationV1Api);
  const versions = new Set<string>();
  await waitFor(
    async () => {
      const lease = await leases.readNamespacedLease({ namespace: ns, name: LEASE });
      versions.add(lease.metadata?.resourceVersion ?? '');
      return versions.size;
    },
    (n) => n >= 10,
    { timeoutMs: 30_000, intervalMs: 100, what: 'ten renewals of the first leader' },
  );
  expect(behind.isLeader()).toBe(true);
  expect(right.isLeader() || ahead.isLeader()).toBe(false);

  // The leader crashes: it stops renewing and never releases the lease.
  await behind.stop({ release: false });
  await holding;
  const next = await waitFor(
    () => [right, ahead].find((e) => e.isLeader()),
    (e) => e !== undefined,
    { timeoutMs: 15_000, what: 'another elector leading' },
  );
  await Promise.all([right.stop(), ahead.stop()]);
  await Promise.all(contenders);
  expect(next).toBeDefined();

  const all = [...intervals].sort((a, b) => a.from - b.from);
  expect(all.map((i) => i.who)[0]).toBe('behind');
  expect(all.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < all.length; i++) {
    // Each leadership starts after the previous one ended: never two leaders at once.
    expect(all[i]!.from).toBeGreaterThanOrEqual(all[i - 1]!.to);
  }
});
