// A seeded, reproducible synthetic log dataset in the worker's own format (src/contracts/log-line.ts and the
// fields of src/worker/batch-processor.ts): a bot_start line, then batch_complete / batch_error events.
// Pure: same options, same lines. For demos, for `inventorybot alerts` and for the ROI report.
import { seededRandom } from '../contracts/seeded-random.ts';
import { PRODUCT_VERSION } from '../contracts/version.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import { formatLogLine } from '../contracts/log-line.ts';
import type { BatchOutcome, ItemOutcome } from '../contracts/worker-metric-names.ts';

export interface SyntheticLogOptions {
  /** Batch events to generate. */
  count: number;
  seed: number;
  /** Share of batches with an error outcome (failed, dead_lettered, invalid), 0..1. */
  errorRate: number;
  /** Time of the first line. */
  start: Date;
  warehouses?: number;
  minItems?: number;
  maxItems?: number;
  /** Mean time between batch events, in milliseconds (exponential inter-arrival). */
  meanIntervalMs?: number;
  /** Upstream retries per item on healthy batches (0..1). */
  retryRate?: number;
  /** Share of acknowledged batches with some items dead-lettered (UNKNOWN_SKU). */
  partialRate?: number;
  /** Median duration of a healthy batch, in seconds. */
  medianSeconds?: number;
  /** Inject a run of this many failed batches in a row halfway through (an upstream outage). */
  burst?: number;
  consumer?: string;
  maxDeliveries?: number;
}

export const SYNTHETIC_DEFAULTS = {
  count: 1000,
  seed: 1,
  errorRate: 0.005,
  warehouses: 6,
  minItems: 50,
  maxItems: 150,
  meanIntervalMs: 200,
  retryRate: 0.02,
  partialRate: 0.01,
  medianSeconds: 0.08,
  burst: 0,
  consumer: 'inventorybot-synthetic-0',
  maxDeliveries: 5,
} as const;

const TRANSIENT: readonly ErrorCode[] = [
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_5XX',
  'UPSTREAM_5XX',
  'RATE_LIMITED',
  'CONNECTION_ERROR',
  'CIRCUIT_OPEN',
];

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  UPSTREAM_TIMEOUT: 'upstream call timed out after 2000 ms',
  UPSTREAM_5XX: 'upstream answered 503',
  RATE_LIMITED: 'upstream answered 429',
  CONNECTION_ERROR: 'connect ECONNREFUSED',
  CIRCUIT_OPEN: 'circuit breaker open for primary',
  INVALID_MESSAGE: 'field "items" is not a JSON array',
};

/** The lines, one JSON object each, without newlines. */
export function* syntheticLogLines(input: Partial<SyntheticLogOptions> & { start: Date }): Generator<string> {
  const o = { ...SYNTHETIC_DEFAULTS, ...input };
  const random = seededRandom(o.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  // Box-Muller: a standard normal from two uniforms.
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const binomialish = (n: number, p: number) => {
    let k = 0;
    for (let i = 0; i < n; i++) if (random() < p) k++;
    return k;
  };

  let time = o.start.getTime();
  yield formatLogLine(
    'info',
    'bot_start',
    {
      version: PRODUCT_VERSION,
      consumer: o.consumer,
      stream: 'inventory:batches',
      consumer_group: 'inventorybot',
      upstreams: ['primary'],
      concurrency: { batches: 4, itemsPerBatch: 8 },
      synthetic: { seed: o.seed, error_rate: o.errorRate },
    },
    new Date(time),
  );
  const burstAt = o.burst > 0 ? Math.floor(o.count / 2) : -1;
  for (let i = 0; i < o.count; i++) {
    time += Math.max(1, Math.round(-Math.log(1 - random()) * o.meanIntervalMs));
    const inBurst = burstAt >= 0 && i >= burstAt && i < burstAt + o.burst;
    const items = o.minItems + Math.floor(random() * (o.maxItems - o.minItems + 1));
    let outcome: BatchOutcome = 'success';
    let errorCode: ErrorCode | undefined;
    let attempts = 1;
    let retries = binomialish(items, o.retryRate);
    let duration = o.medianSeconds * Math.exp(0.45 * normal());
    const roll = random();
    if (inBurst || roll < o.errorRate) {
      const kind = inBurst ? 0 : random();
      if (kind < 0.7) {
        // Transient errors exhausted the attempts: the batch is given back for redelivery.
        outcome = 'failed';
        errorCode = inBurst ? 'UPSTREAM_5XX' : pick(TRANSIENT);
        attempts = 1 + Math.floor(random() * o.maxDeliveries);
        retries = items * (2 + Math.floor(random() * 3));
        duration = 0.6 + random() * 2.4;
      } else if (kind < 0.9) {
        outcome = 'dead_lettered';
        errorCode = 'MAX_DELIVERIES_EXCEEDED';
        attempts = o.maxDeliveries + 1;
        retries = 0;
        duration = 0.002 + random() * 0.01;
      } else {
        outcome = 'invalid';
        errorCode = 'INVALID_MESSAGE';
        retries = 0;
        duration = 0.001 + random() * 0.004;
      }
    } else if (roll < o.errorRate + o.partialRate) {
      outcome = 'partial';
      errorCode = 'UNKNOWN_SKU';
    }
    const invalid = outcome === 'invalid';
    // What the worker counts per item (issue 17): no extra random draws, so seeds keep their sequences.
    const share = (f: number) => Math.max(1, Math.round(items * f));
    const itemOutcomes: Partial<Record<ItemOutcome, number>> =
      outcome === 'success'
        ? { applied: items }
        : outcome === 'partial'
          ? { applied: items - share(0.02), dead_lettered: share(0.02) }
          : outcome === 'failed'
            ? { applied: items - share(0.25), failed: share(0.25) }
            : outcome === 'dead_lettered'
              ? { dead_lettered: items }
              : {};
    const fields = {
      batch_id: invalid ? null : `syn-${o.seed}-${String(i).padStart(6, '0')}`,
      warehouse: invalid ? null : `WH-${String(1 + Math.floor(random() * o.warehouses)).padStart(2, '0')}`,
      items: invalid ? 0 : items,
      duration: Number(duration.toFixed(4)),
      outcome,
      ...(errorCode ? { error_code: errorCode } : {}),
      attempts,
      retries,
      item_outcomes: itemOutcomes,
      stream_id: `${time}-0`,
      ...(errorCode && MESSAGES[errorCode] ? { error: MESSAGES[errorCode] } : {}),
    };
    const ok = outcome === 'success' || outcome === 'partial';
    yield formatLogLine(ok ? 'info' : 'warn', ok ? 'batch_complete' : 'batch_error', fields, new Date(time));
  }
}
