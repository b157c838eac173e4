// The in-flight call limit of one upstream (issue 12), adapted from each call's outcome and latency. Pure:
// time comes in. Written by hand: Netflix concurrency-limits and Envoy's adaptive concurrency filter have
// no maintained Node counterpart that limits a client's calls.
//
// - No-load latency is measured, not learnt from the limiter's own calls, as Envoy's gradient controller
//   does: the limit is held at PROBE_LIMIT until PROBE_SAMPLES good calls that started with at most that
//   many in flight have come back; their median round trip is the baseline. At start, then every
//   PROBE_INTERVAL_MS, plus up to PROBE_JITTER of it. Why (#12): the baseline used to be learnt from
//   every call and allowed to rise 1 %/s; calls start at batches × itemsPerBatch (32) in flight, above
//   what the bench's upstream serves at once (20), so the baseline held queueing, and with a 2×
//   tolerance the limit climbed to its max (64) before the spike: upstream p95 74 ms against 53 ms at a
//   fixed 32 for the same items/s, and after the spike the limit (≈ 40) never got back to 90 % of that
//   (`npm run bench -- spike`, 2026-12-01T01:25).
// - Then per window of about one round trip of good calls (as many as the limit, at least
//   WINDOW_SAMPLES), as Netflix concurrency-limits' Gradient2: gradient = allowed / window median, within
//   [0.5, 1], and limit = limit × gradient + headroom, the headroom only while the limit is used (in flight
//   ≥ limit / 2): growing an unused limit would only hide the next spike's cut. Allowed is tolerance ×
//   baseline, or the probe's own p75 or baseline + SLACK_MS if higher: with a noisy upstream that does
//   not queue (median 4 ms, p95 15 ms, simulated), a probe 20 % low otherwise held the limit at 5–8 until
//   the next probe. Beyond
//   its capacity C an upstream queues, the round trip grows as in-flight / C, and the limit settles
//   between tolerance × C and that plus the headroom: near what the upstream serves at once. A latency
//   spike (a capacity drop) halves the limit per window until latency is within tolerance again.
// - A spike is learnt only by a probe that falls into it; a probe at PROBE_LIMIT in flight measures the
//   upstream's own latency, which a capacity drop (the spike of #12's bench) barely changes, while a
//   lasting rise of service time is learnt within PROBE_INTERVAL_MS (plus the jitter).
// - Drops: a 429 or a timeout cuts the limit by `backoffRatio` (once per cooldown). Other transient
//   errors only count when they spike: their EMA rate above `errorRateLimit` cuts like a drop. The plans'
//   steady 20 % of 5xx answers is not a reason to slow down: those calls are retried anyway.

export type CallOutcome = 'ok' | 'drop' | 'error' | 'ignore';

export interface AdaptiveLimitOptions {
  min: number;
  max: number;
  /** The limit after the first probe. */
  initial: number;
  /**
   * Round-trip growth over the no-load baseline tolerated before the limit shrinks (1.25: Envoy's 25 %
   * buffer).
   */
  tolerance?: number;
  backoffRatio?: number;
  errorRateLimit?: number;
  /** Milliseconds between two cuts on drops: one burst of 429s is one cut, not one per call in flight. */
  cooldownMs?: number;
  /** Random source of the probe jitter, in [0, 1). */
  random?: () => number;
}

// Envoy's adaptive concurrency defaults: min_concurrency 3, request_count 50; its 60 s interval.
const PROBE_LIMIT = 3;
const PROBE_SAMPLES = 50;
const PROBE_INTERVAL_MS = 60_000;
// Each next probe starts up to this share of the interval late, as Envoy's min_rtt_calc_params.jitter (its
// default, 15 %): replicas started together by a rollout would otherwise probe in step every minute, each
// probe measuring the others' load and their dips to a few calls in flight adding up at the upstream.
const PROBE_JITTER = 0.15;
const WINDOW_SAMPLES = 10;
// Round trips within this much of the baseline are not cut for: a busy worker's own event loop adds a few
// ms. Without it, the worker bench without latency (sub-millisecond probes) lost 21 % items/s against
// main (#12, 2026-12-01T03:23).
const SLACK_MS = 5;
const MIN_GRADIENT = 0.5;
// Gradient2's queueSize: growth per window while the limit is used. One call: with Envoy's sqrt(limit),
// a simulation of the spike bench's upstream (capacity 20) settled at 30–35 instead of 23–29 (#12).
const HEADROOM = 1;
const ERROR_ALPHA = 0.05;

export class AdaptiveLimit {
  readonly min: number;
  readonly max: number;
  readonly #tolerance: number;
  readonly #backoffRatio: number;
  readonly #errorRateLimit: number;
  readonly #cooldownMs: number;
  readonly #probeLimit: number;
  readonly #random: () => number;
  #limit: number;
  #baseline = 0;
  #allowed = 0;
  #errorRate = 0;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  // A fixed limit (min = max) has nothing to measure.
  #probing: boolean;
  #nextProbeAt = 0;
  // Round trips of the current probe or window; medians, as Envoy's default aggregate (p50): a GC
  // pause or a new connection's first call does not move them.
  readonly #rtts: Float64Array;
  #samples = 0;
  #windowInFlight = 0;

  constructor(options: AdaptiveLimitOptions) {
    this.min = Math.max(1, options.min);
    this.max = Math.max(this.min, options.max);
    this.#limit = clamp(options.initial, this.min, this.max);
    this.#tolerance = options.tolerance ?? 1.25;
    this.#backoffRatio = options.backoffRatio ?? 0.9;
    this.#errorRateLimit = options.errorRateLimit ?? 0.5;
    this.#cooldownMs = options.cooldownMs ?? 100;
    this.#probeLimit = clamp(PROBE_LIMIT, this.min, this.max);
    this.#random = options.random ?? Math.random;
    this.#probing = this.min < this.max;
    this.#rtts = new Float64Array(Math.max(PROBE_SAMPLES, WINDOW_SAMPLES, this.max));
  }

  /** Whole calls allowed in flight now. */
  get limit(): number {
    const limit = Math.floor(this.#limit);
    return this.#probing ? Math.min(limit, this.#probeLimit) : limit;
  }

  /** The no-load round trip of the last probe (0 until the first one is done). */
  get baselineMs(): number {
    return this.#baseline;
  }

  /** Whether the limit is held at the probe's few calls now, by design rather than cut. */
  get probing(): boolean {
    return this.#probing;
  }

  /** One finished call: its outcome, round trip, the calls in flight when it started, and the clock. */
  record(outcome: CallOutcome, rttMs: number, inFlight: number, now: number): void {
    if (outcome === 'ignore') return;
    this.#errorRate += ((outcome === 'error' ? 1 : 0) - this.#errorRate) * ERROR_ALPHA;
    if (outcome === 'drop' || this.#errorRate > this.#errorRateLimit) {
      this.#cut(this.#backoffRatio, now);
      return;
    }
    if (outcome === 'error' || this.min === this.max) return;
    if (this.#probing) {
      this.#probe(rttMs, inFlight, now);
      return;
    }
    if (now >= this.#nextProbeAt) {
      this.#startProbe();
      return;
    }
    this.#rtts[this.#samples++] = rttMs;
    this.#windowInFlight = Math.max(this.#windowInFlight, inFlight);
    if (this.#samples < Math.max(WINDOW_SAMPLES, this.#limit)) return;
    const rtt = this.#median();
    const used = this.#windowInFlight * 2 >= this.#limit;
    this.#resetWindow();
    const allowed = this.#allowed;
    const gradient = rtt <= allowed ? 1 : Math.max(MIN_GRADIENT, allowed / rtt);
    this.#limit = clamp(this.#limit * gradient + (used ? HEADROOM : 0), this.min, this.max);
  }

  #probe(rttMs: number, inFlight: number, now: number): void {
    if (inFlight > this.#probeLimit) return;
    this.#rtts[this.#samples++] = rttMs;
    if (this.#samples < PROBE_SAMPLES) return;
    this.#baseline = this.#median();
    // Sorted by #median(). Within the upstream's own spread, a window's median is noise, not queueing.
    const p75 = this.#rtts[Math.floor(this.#samples * 0.75)] as number;
    this.#allowed = Math.max(this.#tolerance * this.#baseline, p75, this.#baseline + SLACK_MS);
    this.#probing = false;
    this.#nextProbeAt = now + PROBE_INTERVAL_MS * (1 + PROBE_JITTER * this.#random());
    this.#resetWindow();
  }

  #startProbe(): void {
    this.#probing = true;
    this.#resetWindow();
  }

  #median(): number {
    const rtts = this.#rtts.subarray(0, this.#samples).sort();
    return rtts[rtts.length >> 1] as number;
  }

  #resetWindow(): void {
    this.#samples = 0;
    this.#windowInFlight = 0;
  }

  #cut(factor: number, now: number): void {
    if (now - this.#lastCutAt < this.#cooldownMs) return;
    this.#lastCutAt = now;
    this.#limit = Math.max(this.min, this.#limit * factor);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
