// reserve() takes the call slot of the upstream call() would call (#12 review: one routing rule for both):
// the first whose breaker lets a call through; none while the one picked is on trial or asked to wait.
// The upstreams are never contacted: reserve() sends nothing, and call() answers `throttled` first.
import { UpstreamEndpoint } from '../../../src/worker/upstream-endpoint.ts';
import { UpstreamRouter } from '../../../src/worker/upstream-router.ts';
import { WorkerEvents } from '../../../src/worker/worker-events.ts';

const observer = { onCall: () => undefined, onBreaker: () => undefined, onLimit: () => undefined };
const endpoint = (name: string) =>
  new UpstreamEndpoint(
    {
      name,
      url: 'http://127.0.0.1:9',
      timeoutMs: 1000,
      rateLimitPerSecond: 1000,
      consecutiveFailures: 1,
      halfOpenAfterMs: 60_000,
      calls: { min: 1, max: 4, initial: 4 },
    },
    observer,
  );

function setUp() {
  const primary = endpoint('primary');
  const secondary = endpoint('secondary');
  const router = new UpstreamRouter([primary, secondary], new WorkerEvents());
  routers.push(router);
  return { primary, secondary, router };
}
const routers: UpstreamRouter[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

/** Opens the breaker: its trial is due in a minute, or already due. */
const open = (e: UpstreamEndpoint, trialDue = false) =>
  e.breaker.record('failure', 'call', performance.now() - (trialDue ? 120_000 : 0));

const reservedAt = (r: ReturnType<UpstreamRouter['reserve']>) =>
  r === undefined || r instanceof Promise ? r : r.endpoint.name;

describe('UpstreamRouter.reserve routes as call() does (#12 review)', () => {
  it('takes the primary slot while the primary is closed', () => {
    const { primary, router } = setUp();
    expect(reservedAt(router.reserve())).toBe('primary');
    expect(primary.limiter.inFlight).toBe(1);
  });

  it('takes the secondary slot while the primary is open and its trial not due', () => {
    const { primary, secondary, router } = setUp();
    open(primary);
    expect(reservedAt(router.reserve())).toBe('secondary');
    expect([primary.limiter.inFlight, secondary.limiter.inFlight]).toEqual([0, 1]);
  });

  it('takes none when the primary trial is due: call() probes the primary with a slot of its own', () => {
    const { primary, secondary, router } = setUp();
    open(primary, true);
    expect(router.reserve()).toBeUndefined();
    expect([primary.limiter.inFlight, secondary.limiter.inFlight]).toEqual([0, 0]);
  });

  it('takes none when the upstream picked asked to wait, and call() answers throttled for it', async () => {
    const { primary, secondary, router } = setUp();
    open(primary);
    secondary.pauseUntil(performance.now() + 60_000);
    expect(router.reserve()).toBeUndefined();
    const result = await router.call({ warehouse: 'w', sku: 's', delta: 1 }, 'k');
    expect(result).toMatchObject({ kind: 'throttled', upstream: 'secondary' });
    expect([primary.limiter.inFlight, secondary.limiter.inFlight]).toEqual([0, 0]);
  });
});
