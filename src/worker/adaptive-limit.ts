// The in-flight call limit of one upstream (issue 12), adapted from each call's outcome and latency, in
// the spirit of Netflix concurrency-limits' Gradient2 with AIMD's cut on drops. Pure: time comes in.
//
// - Latency: a short EMA of round-trip times against a long baseline that follows drops at once and
//   rises only slowly: per call, and at most BASELINE_RISE_PER_S per second of wall time. Per call alone,
//   a spike's own calls taught the baseline the spike within seconds (at 100 calls/s), the limiter then
//   allowed 2× that, and the upstream's p95 during a 30 s spike ended 7× the pre-spike p95 (`npm run
//   bench -- spike`, #12). The price: a lasting latency rise is learnt over minutes, not seconds. While the short one exceeds the baseline by more than `tolerance`, the limit is
//   scaled by baseline×tolerance/short (at least 0.5), at most once per cooldown, so a 10× latency spike
//   cuts the limit within a few calls; a tolerance keeps noise from cutting.
// - Drops: a 429 or a timeout cuts the limit by `backoffRatio` (once per cooldown). Other transient
//   errors only count when they spike: their EMA rate above `errorRateLimit` cuts like a drop. The plans'
//   steady 20 % of 5xx answers is not a reason to slow down: those calls are retried anyway.
// - Otherwise, while the limit is actually used, it grows by one per `limit` good calls (one per RTT).

export type CallOutcome = 'ok' | 'drop' | 'error' | 'ignore';

export interface AdaptiveLimitOptions {
  min: number;
  max: number;
  initial: number;
  /** Latency growth over the baseline tolerated before cutting (2: the p95 goal of issue 12 is 2× the baseline). */
  tolerance?: number;
  backoffRatio?: number;
  errorRateLimit?: number;
  /** Milliseconds between two cuts: one spike is one cut, not one per call in flight. */
  cooldownMs?: number;
}

const SHORT_ALPHA = 0.1;
const BASELINE_RISE = 0.002;
const BASELINE_RISE_PER_S = 0.01;
const ERROR_ALPHA = 0.05;

export class AdaptiveLimit {
  readonly min: number;
  readonly max: number;
  readonly #tolerance: number;
  readonly #backoffRatio: number;
  readonly #errorRateLimit: number;
  readonly #cooldownMs: number;
  #limit: number;
  #short = 0;
  #baseline = 0;
  #errorRate = 0;
  #lastCutAt = Number.NEGATIVE_INFINITY;
  #baselineAt = Number.NaN;

  constructor(options: AdaptiveLimitOptions) {
    this.min = Math.max(1, options.min);
    this.max = Math.max(this.min, options.max);
    this.#limit = clamp(options.initial, this.min, this.max);
    this.#tolerance = options.tolerance ?? 2;
    this.#backoffRatio = options.backoffRatio ?? 0.9;
    this.#errorRateLimit = options.errorRateLimit ?? 0.5;
    this.#cooldownMs = options.cooldownMs ?? 100;
  }

  /** Whole calls allowed in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get baselineMs(): number {
    return this.#baseline;
  }

  /** One finished call: its outcome, round trip, the calls in flight when it started, and the clock. */
  record(outcome: CallOutcome, rttMs: number, inFlight: number, now: number): void {
    if (outcome === 'ignore') return;
    this.#errorRate += ((outcome === 'error' ? 1 : 0) - this.#errorRate) * ERROR_ALPHA;
    if (outcome === 'drop' || this.#errorRate > this.#errorRateLimit) {
      this.#cut(this.#backoffRatio, now);
      return;
    }
    if (outcome === 'error') return;
    this.#short = this.#short === 0 ? rttMs : this.#short + (rttMs - this.#short) * SHORT_ALPHA;
    if (this.#baseline === 0 || this.#short < this.#baseline) {
      this.#baseline = this.#short;
    } else {
      const elapsedS = Number.isNaN(this.#baselineAt) ? 0 : Math.max(0, now - this.#baselineAt) / 1000;
      this.#baseline = Math.min(
        this.#baseline + (this.#short - this.#baseline) * BASELINE_RISE,
        this.#baseline * (1 + BASELINE_RISE_PER_S * elapsedS),
      );
    }
    this.#baselineAt = now;
    const allowed = this.#baseline * this.#tolerance;
    if (this.#short > allowed && this.#short > 1) {
      this.#cut(Math.max(0.5, allowed / this.#short), now);
      return;
    }
    // Growing an unused limit would only hide the next spike's cut.
    if (inFlight * 2 >= this.#limit) this.#limit = Math.min(this.max, this.#limit + 1 / this.#limit);
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
