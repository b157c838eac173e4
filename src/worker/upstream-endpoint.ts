// One upstream inventory API: a keep-alive connection pool, a token bucket, a timeout, a Retry-After
// pause, and its own circuit breaker (issue 11). send() makes one HTTP call and classifies the answer;
// it never throws and never touches the breaker (the router does, knowing whether the call was a trial).
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { AdaptiveLimitOptions, CallOutcome } from './adaptive-limit.ts';
import { CallLimiter } from './call-limiter.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './circuit-breaker.ts';
import { classifyAnswer, classifyCallError, type CallResult } from './classify.ts';
import { PermanentError } from '../contracts/errors.ts';
import { encodeIdempotencyKey, isValidHeaderValue } from './idempotency-key.ts';
import { TokenBucket } from '../contracts/token-bucket.ts';
import { APPLY_PATH, IDEMPOTENCY_HEADER, type ApplyRequest } from '../contracts/upstream-protocol.ts';
import type { WorkerFileConfig } from '../contracts/worker-config.ts';

/** spec.upstream's call settings and spec.circuitBreaker as config.json gives them (#16: not restated). */
export interface EndpointOptions
  extends Pick<WorkerFileConfig['upstream'], 'timeoutMs' | 'rateLimitPerSecond'>, BreakerOptions {
  name: string;
  url: string;
  /** Bounds of the adaptive in-flight limit (spec.concurrency.upstreamCallsMin/Max), and where it starts. */
  calls: AdaptiveLimitOptions;
  token?: string;
}

export interface CallObserver {
  onCall(upstream: string, result: string, seconds: number): void;
  onBreaker(upstream: string, state: BreakerState, previous: BreakerState): void;
  onLimit(upstream: string, limit: number): void;
}

/** The result code a call is counted under in metrics: ok, or its error_code. */
export const resultLabel = (result: CallResult): string => ('error' in result ? result.error.code : 'ok');

export class UpstreamEndpoint {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  readonly limiter: CallLimiter;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #bucket: TokenBucket;
  readonly #timeoutMs: number;
  readonly #token: string | undefined;
  readonly #observer: CallObserver;
  /** 429/409 backpressure: no call to this upstream before this time (performance.now() clock). */
  #notBefore = 0;

  constructor(options: EndpointOptions, observer: CallObserver) {
    const url = new URL(options.url);
    this.name = options.name;
    this.#pool = new Pool(url.origin, {
      connections: options.calls.max,
      keepAliveTimeout: 10_000,
      // Our own timer bounds the whole call; undici's would only report a different error for it.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.#path = `${url.pathname.replace(/\/$/, '')}${APPLY_PATH}`;
    // Burst of a tenth of a second: `rateLimitPerSecond` should hold over any second, and a full second
    // of burst let a worker with free call slots (#12) start at twice the limit (seen in roi-workload).
    this.#bucket = new TokenBucket(
      options.rateLimitPerSecond,
      Math.max(1, Math.ceil(options.rateLimitPerSecond / 10)),
    );
    this.#timeoutMs = options.timeoutMs;
    this.breaker = new CircuitBreaker(
      { consecutiveFailures: options.consecutiveFailures, halfOpenAfterMs: options.halfOpenAfterMs },
      (state, previous) => observer.onBreaker(this.name, state, previous),
    );
    this.limiter = new CallLimiter(options.calls, (limit) => observer.onLimit(this.name, limit));
    this.#token = options.token;
    this.#observer = observer;
  }

  /** Milliseconds until this upstream takes calls again after a 429/409 with Retry-After (0: now). */
  throttledForMs(now: number): number {
    return Math.max(0, this.#notBefore - now);
  }

  pauseUntil(at: number): void {
    this.#notBefore = Math.max(this.#notBefore, at);
  }

  async send(request: ApplyRequest, itemKey: string, priority = 0): Promise<CallResult> {
    const key = encodeIdempotencyKey(itemKey);
    if (!isValidHeaderValue(key)) {
      // Unreachable with the encoding above; kept so a future header never becomes a breaker failure.
      const error = new PermanentError('INVALID_REQUEST', 'idempotency key is not a valid header value');
      return { kind: 'rejected', error, breaker: 'none' };
    }
    // Synchronous when a slot and a token are free: no promise per step on the hot path (#12).
    const release = this.limiter.tryAcquire() ?? (await this.limiter.acquire(priority));
    const wait = this.#bucket.reserve(performance.now());
    if (wait > 0) await sleep(wait);
    const started = performance.now();
    const controller = new AbortController();
    let timedOut = false;
    // A plain timer, cleared on return: nothing is aborted after a successful call (issue 12 hot path).
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    let result: CallResult;
    try {
      const response = await this.#pool.request({
        method: 'POST',
        path: this.#path,
        headers: {
          'content-type': 'application/json',
          [IDEMPOTENCY_HEADER]: key,
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: JSON.stringify(request),
        signal: controller.signal,
      });
      const text = await response.body.text();
      result = classifyAnswer(response.statusCode, text, response.headers['retry-after'], Date.now());
    } catch (error) {
      result = classifyCallError(error, timedOut);
    } finally {
      clearTimeout(timer);
    }
    const seconds = (performance.now() - started) / 1000;
    release(limitOutcome(result), seconds * 1000);
    this.#observer.onCall(this.name, resultLabel(result), seconds);
    return result;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** What a call says about the upstream's load: 429s and timeouts are drops, other failures errors. */
function limitOutcome(result: CallResult): CallOutcome {
  if (result.kind === 'applied' || result.kind === 'replayed') return 'ok';
  if (result.kind === 'throttled') return 'drop';
  if (result.kind === 'rejected') return 'ignore';
  return result.error.code === 'UPSTREAM_TIMEOUT' ? 'drop' : 'error';
}
