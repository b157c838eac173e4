// The worker core's event surface (#16): the emitter itself, and the subscribers that turn its events into
// the metrics and log lines the core used to write itself (same names, labels, fields and values).
import { createLogger } from '../../../src/contracts/logger.ts';
import { parseMetrics, sumOf } from '../../../src/contracts/prom-text.ts';
import { METRICS } from '../../../src/contracts/worker-metric-names.ts';
import type { Report } from '../../../src/worker/batch-processor.ts';
import { subscribeLogs } from '../../../src/worker/log-subscriber.ts';
import { createWorkerMetrics } from '../../../src/worker/metrics.ts';
import { subscribeMetrics } from '../../../src/worker/metrics-subscriber.ts';
import type { StreamEntry } from '../../../src/worker/stream-queue.ts';
import { WorkerEvents } from '../../../src/worker/worker-events.ts';

describe('WorkerEvents', () => {
  it('calls listeners synchronously, in subscription order, with the positional arguments', () => {
    const events = new WorkerEvents();
    const seen: unknown[] = [];
    events.on('upstream-call', (upstream, result, seconds) => seen.push(['a', upstream, result, seconds]));
    events.on('upstream-call', (upstream) => seen.push(['b', upstream]));
    events.emit('upstream-call', 'primary', 'UPSTREAM_TIMEOUT', 0.5);
    seen.push('after');
    expect(seen).toEqual([['a', 'primary', 'UPSTREAM_TIMEOUT', 0.5], ['b', 'primary'], 'after']);
  });

  it('emits to nobody without listeners, and off() removes one listener', () => {
    const events = new WorkerEvents();
    expect(() => events.emit('retried', 10, 'UPSTREAM_5XX', 1)).not.toThrow();
    const counts: number[] = [];
    const first = (delay: number) => counts.push(delay);
    const second = (delay: number) => counts.push(-delay);
    events.on('retried', first).on('retried', second);
    expect(events.listenerCount('retried')).toBe(2);
    events.off('retried', first);
    events.emit('retried', 7, 'UPSTREAM_5XX', 1);
    expect(counts).toEqual([-7]);
    events.off('retried', second);
    expect(events.listenerCount('retried')).toBe(0);
  });

  it('runs the listeners an emit started with, even if one subscribes or unsubscribes meanwhile', () => {
    const events = new WorkerEvents();
    const seen: string[] = [];
    const late = () => seen.push('late');
    const second = () => seen.push('second');
    events.on('shards-owned', () => {
      seen.push('first');
      events.on('shards-owned', late).off('shards-owned', second);
    });
    events.on('shards-owned', second);
    events.emit('shards-owned', 1);
    expect(seen).toEqual(['first', 'second']);
    events.emit('shards-owned', 2);
    expect(seen).toEqual(['first', 'second', 'first', 'late']);
  });
});

describe('the metrics and log subscribers', () => {
  const entry = (id: string, deliveries = 1): StreamEntry => ({ id, fields: {}, deliveries });
  const batch = { batchId: 'b-1', warehouse: 'WH-01', items: [{ sku: 'A', delta: 1 }], enqueuedAt: '' };

  function subscribed() {
    const events = new WorkerEvents();
    const metrics = createWorkerMetrics({ version: 't', consumer: 'c' });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sinks: [(l) => lines.push(l)], now: () => new Date(0) });
    subscribeMetrics(events, metrics, ['primary', 'secondary']);
    subscribeLogs(events, logger);
    const sample = async (name: string, labels: Record<string, string> = {}) =>
      sumOf(parseMetrics(await metrics.registry.metrics()), name, labels);
    const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    return { events, sample, logged };
  }

  it('completed: the batch counters, duration and item outcomes, and the batch_complete line', async () => {
    const { events, sample, logged } = subscribed();
    const report: Report = { outcome: 'partial', batch, retries: 2 };
    events.emit('completed', report, entry('1-0', 2), 0.01234, { applied: 3, dead_lettered: 1 });
    expect(await sample(METRICS.batchesTotal, { outcome: 'partial' })).toBe(1);
    expect(await sample(`${METRICS.batchDurationSeconds}_count`, { outcome: 'partial' })).toBe(1);
    expect(await sample(METRICS.itemsTotal, { outcome: 'applied' })).toBe(3);
    expect(await sample(METRICS.itemsTotal, { outcome: 'dead_lettered' })).toBe(1);
    expect(await sample(METRICS.consecutiveFailedBatches)).toBe(0);
    expect(logged()).toEqual([
      {
        timestamp: '1970-01-01T00:00:00.000Z',
        level: 'info',
        event: 'batch_complete',
        batch_id: 'b-1',
        warehouse: 'WH-01',
        items: 1,
        duration: 0.0123,
        outcome: 'partial',
        attempts: 2,
        retries: 2,
        item_outcomes: { applied: 3, dead_lettered: 1 },
        stream_id: '1-0',
      },
    ]);
  });

  it('batch-failed: errors only for what never reached an upstream; the failure run; batch_error', async () => {
    const { events, sample, logged } = subscribed();
    // Given back after upstream timeouts: those were counted per call, not again here.
    events.emit(
      'batch-failed',
      { outcome: 'failed', batch, errorCode: 'UPSTREAM_TIMEOUT', error: 'timed out', redeliver: true },
      entry('1-0'),
      0.5,
      { failed: 1 },
    );
    expect(await sample(METRICS.errorsTotal)).toBe(0);
    // Redis gone mid-batch (an exception): counted once.
    events.emit(
      'batch-failed',
      { outcome: 'failed', batch, errorCode: 'REDIS_ERROR', error: 'gone', redeliver: true, raised: true },
      entry('2-0'),
      0.1,
      {},
    );
    events.emit(
      'batch-failed',
      { outcome: 'invalid', errorCode: 'INVALID_MESSAGE', error: 'not JSON' },
      entry('3-0'),
      0.001,
      {},
    );
    events.emit('dead-lettered', 'INVALID_MESSAGE', 'not JSON', '3-0', undefined);
    expect(await sample(METRICS.errorsTotal, { error_code: 'REDIS_ERROR' })).toBe(1);
    expect(await sample(METRICS.errorsTotal, { error_code: 'INVALID_MESSAGE' })).toBe(1);
    expect(await sample(METRICS.errorsTotal)).toBe(2);
    expect(await sample(METRICS.deadLettersTotal, { error_code: 'INVALID_MESSAGE' })).toBe(1);
    expect(await sample(METRICS.batchesTotal, { outcome: 'failed' })).toBe(2);
    expect(await sample(METRICS.itemsTotal, { outcome: 'failed' })).toBe(1);
    // failed, failed, invalid (does not move the run).
    expect(await sample(METRICS.consecutiveFailedBatches)).toBe(2);
    const lines = logged();
    expect(lines.map((l) => [l.level, l.event, l.error_code, l.error])).toEqual([
      ['warn', 'batch_error', 'UPSTREAM_TIMEOUT', 'timed out'],
      ['warn', 'batch_error', 'REDIS_ERROR', 'gone'],
      ['warn', 'batch_error', 'INVALID_MESSAGE', 'not JSON'],
    ]);
    expect(lines[2]).toMatchObject({ batch_id: null, warehouse: null, items: 0, item_outcomes: {} });
  });

  it('redis: the gauge follows every change, redis_unavailable at most every 10 s, then redis_reconnected', async () => {
    const { events, sample, logged } = subscribed();
    expect(await sample(METRICS.redisUp)).toBe(0);
    events.emit('redis-up', 'redis://r:6379', true);
    expect(await sample(METRICS.redisUp)).toBe(1);
    // Up from the start: nothing was said about it being down, so nothing to say now.
    expect(logged()).toEqual([]);
    events.emit('redis-down', 'redis://r:6379', new Error('ECONNREFUSED'), 100_000, 100_000);
    events.emit('redis-down', 'redis://r:6379', new Error('ECONNREFUSED'), 100_000, 105_000);
    expect(await sample(METRICS.redisUp)).toBe(0);
    events.emit('redis-down', 'redis://r:6379', new Error('ECONNREFUSED'), 100_000, 112_400);
    events.emit('redis-up', 'redis://r:6379', true);
    expect(await sample(METRICS.redisUp)).toBe(1);
    expect(logged().map(({ timestamp: _t, ...rest }) => rest)).toEqual([
      {
        level: 'warn',
        event: 'redis_unavailable',
        redis: 'redis://r:6379',
        error: 'ECONNREFUSED',
        down_seconds: 0,
      },
      {
        level: 'warn',
        event: 'redis_unavailable',
        redis: 'redis://r:6379',
        error: 'ECONNREFUSED',
        down_seconds: 12,
      },
      { level: 'info', event: 'redis_reconnected', redis: 'redis://r:6379' },
    ]);
  });

  it('intake and breakers: the gauges and lines the intake monitor and the endpoints wrote', async () => {
    const { events, sample, logged } = subscribed();
    expect(await sample(METRICS.circuitBreakerState, { upstream: 'secondary' })).toBe(0);
    events.emit('breaker-changed', 'primary', 'open', 'closed');
    events.emit('intake-paused', 0, { primary: 'open' }, true);
    expect(await sample(METRICS.intakePaused)).toBe(1);
    events.emit('intake-resumed', 1.23456, { primary: 'closed' });
    expect(await sample(METRICS.intakePaused)).toBe(0);
    expect(await sample(METRICS.circuitBreakerState, { upstream: 'primary' })).toBe(1);
    events.emit('upstream-call', 'primary', 'UPSTREAM_5XX', 0.2);
    events.emit('upstream-call', 'primary', 'ok', 0.1);
    expect(await sample(METRICS.upstreamRequestsTotal, { upstream: 'primary' })).toBe(2);
    expect(await sample(METRICS.errorsTotal, { error_code: 'UPSTREAM_5XX' })).toBe(1);
    expect(logged().map(({ timestamp: _t, ...rest }) => rest)).toEqual([
      { level: 'warn', event: 'circuit_state', upstream: 'primary', state: 'Open', previous: 'Closed' },
      {
        level: 'warn',
        event: 'intake_paused',
        reason:
          'no upstream can take calls (every circuit breaker is open); batches in hand wait, none are taken',
        since: '1970-01-01T00:00:00.000Z',
        upstreams: { primary: 'open' },
      },
      { level: 'info', event: 'intake_resumed', paused_seconds: 1.235, upstreams: { primary: 'closed' } },
    ]);
  });
});
