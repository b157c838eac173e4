// The hot path's metrics counted in plain numbers and handed to prom-client at scrape time (#12): /metrics
// must read byte for byte as when every call and item updated prom-client itself. The reference below is
// that old way, on prom-client metrics of the same names, help, labels and buckets.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS, UPSTREAM_DURATION_BUCKETS } from '../../../src/contracts/worker-metric-names.ts';
import { createWorkerMetrics } from '../../../src/worker/metrics.ts';
import { subscribeMetrics } from '../../../src/worker/metrics-subscriber.ts';
import { WorkerEvents } from '../../../src/worker/worker-events.ts';

const NAMES = [
  METRICS.upstreamRequestsTotal,
  METRICS.upstreamRequestDurationSeconds,
  METRICS.itemsInFlight,
  METRICS.errorsTotal,
] as const;

function setUp() {
  const events = new WorkerEvents();
  const metrics = createWorkerMetrics({ version: 't', consumer: 'c' });
  subscribeMetrics(events, metrics, ['primary', 'secondary']);
  const help = (name: string) => (metrics.registry.getSingleMetric(name) as unknown as { help: string }).help;
  const registry = new Registry();
  const registers = [registry];
  const reference = {
    calls: new Counter({
      name: METRICS.upstreamRequestsTotal,
      help: help(METRICS.upstreamRequestsTotal),
      labelNames: ['upstream', 'result'],
      registers,
    }),
    duration: new Histogram({
      name: METRICS.upstreamRequestDurationSeconds,
      help: help(METRICS.upstreamRequestDurationSeconds),
      labelNames: ['upstream'],
      buckets: UPSTREAM_DURATION_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({ name: METRICS.itemsInFlight, help: help(METRICS.itemsInFlight), registers }),
    errors: new Counter({
      name: METRICS.errorsTotal,
      help: help(METRICS.errorsTotal),
      labelNames: ['error_code'],
      registers,
    }),
  };
  // The events, and what the subscriber did with them before #12.
  const call = (upstream: string, result: string, seconds: number) => {
    events.emit('upstream-call', upstream, result, seconds);
    reference.calls.inc({ upstream, result });
    reference.duration.observe({ upstream }, seconds);
    if (result !== 'ok') reference.errors.inc({ error_code: result });
  };
  const item = (running: boolean) => {
    events.emit('item-running', running);
    if (running) reference.inFlight.inc();
    else reference.inFlight.dec();
  };
  const scrape = async (of: Registry) =>
    (await Promise.all(NAMES.map((name) => of.getSingleMetricAsString(name)))).join('\n');
  return { call, item, ours: () => scrape(metrics.registry), before: () => scrape(registry) };
}

describe('hot-path metrics (#12)', () => {
  it('expose what per-call prom-client updates exposed, before and between scrapes', async () => {
    const { call, item, ours, before } = setUp();
    expect(await ours()).toBe(await before());

    item(true);
    item(true);
    call('primary', 'ok', 0.004);
    call('primary', 'ok', 0.2);
    call('primary', 'UPSTREAM_5XX', 0.03);
    item(false);
    const first = await ours();
    expect(first).toBe(await before());
    expect(first).toContain(`${METRICS.upstreamRequestsTotal}{upstream="primary",result="ok"} 2`);
    expect(first).toContain(`${METRICS.itemsInFlight} 1`);

    // A second scrape with nothing new reads the same; new calls add to what was already exposed.
    expect(await ours()).toBe(first);
    call('secondary', 'ok', 1.5);
    call('primary', 'ok', 0.001);
    call('primary', 'CONNECTION_ERROR', 0.01);
    // On a bucket's bound, and above the last one (+Inf only).
    call('primary', 'ok', 0.25);
    call('secondary', 'UPSTREAM_TIMEOUT', 12);
    item(false);
    const second = await ours();
    expect(second).toBe(await before());
    expect(second).toContain(`${METRICS.upstreamRequestsTotal}{upstream="primary",result="ok"} 4`);
    expect(second).toContain(`${METRICS.upstreamRequestsTotal}{upstream="secondary",result="ok"} 1`);
    expect(second).toContain(`${METRICS.itemsInFlight} 0`);
  });
});
