// One upstream inventory API: a keep-alive connection pool, a token bucket, a timeout, a Retry-After
// pause, and its own circuit breaker (issue 11). send() makes one HTTP call and classifies the answer;
// it never throws and never touches the breaker (the router does, knowing whether the call was a trial).
import { setTimeout as sleep } from 'node:timers/promises';
import { errors, Pool, type Dispatcher } from 'undici';
import type { AdaptiveLimitOptions, CallOutcome } from './adaptive-limit.ts';
import { CallLimiter, type ReleaseSlot } from './call-limiter.ts';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './circuit-breaker.ts';
import { classifyAnswer, classifyCallError, type CallResult } from './classify.ts';
import { PermanentError, TransientError } from '../contracts/errors.ts';
import { encodeIdempotencyKey, isValidHeaderValue } from './idempotency-key.ts';
import { DeadlineQueue, type Deadline } from './deadline-queue.ts';
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

/**
 * A call held back, unsent, because its upstream asked to wait (429/409 with Retry-After) and the pause
 * still lasts `pausedMs`. It never left, so it has no breaker effect: it neither resets failures nor
 * settles a half-open trial.
 */
export const heldBack = (name: string, pausedMs: number) =>
  ({
    kind: 'throttled',
    error: new TransientError('RATE_LIMITED', `${name} asked to wait (Retry-After)`),
    retryAfterMs: pausedMs,
    breaker: 'none',
  }) as const satisfies CallResult;

/** The result code a call is counted under in metrics: ok, or its error_code. */
export const resultLabel = (result: CallResult): string => ('error' in result ? result.error.code : 'ok');

export class UpstreamEndpoint {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  readonly limiter: CallLimiter;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #bucket: TokenBucket;
  readonly #deadlines: DeadlineQueue;
  /** Headers every call sends, as name, value, ...; the idempotency key is added per call. */
  readonly #headers: readonly string[];
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
    this.#deadlines = new DeadlineQueue(options.timeoutMs);
    this.#headers = [
      'content-type',
      'application/json',
      ...(options.token ? ['authorization', `Bearer ${options.token}`] : []),
    ];
    this.breaker = new CircuitBreaker(
      { consecutiveFailures: options.consecutiveFailures, halfOpenAfterMs: options.halfOpenAfterMs },
      (state, previous) => observer.onBreaker(this.name, state, previous),
    );
    this.limiter = new CallLimiter(options.calls, (limit) => observer.onLimit(this.name, limit));
    this.#observer = observer;
  }

  /** Milliseconds until this upstream takes calls again after a 429/409 with Retry-After (0: now). */
  throttledForMs(now: number): number {
    return Math.max(0, this.#notBefore - now);
  }

  pauseUntil(at: number): void {
    this.#notBefore = Math.max(this.#notBefore, at);
  }

  /** `slot`: a call slot of this endpoint's limiter already taken for this call (router.reserve, #12). */
  async send(request: ApplyRequest, itemKey: string, priority = 0, slot?: ReleaseSlot): Promise<CallResult> {
    const key = encodeIdempotencyKey(itemKey);
    if (!isValidHeaderValue(key)) {
      slot?.('ignore', 0);
      // Unreachable with the encoding above; kept so a future header never becomes a breaker failure.
      const error = new PermanentError('INVALID_REQUEST', 'idempotency key is not a valid header value');
      return { kind: 'rejected', error, breaker: 'none' };
    }
    // Synchronous when a slot and a token are free: no promise per step on the hot path (#12).
    const release = slot ?? this.limiter.tryAcquire() ?? (await this.limiter.acquire(priority));
    const wait = this.#bucket.reserve(performance.now());
    if (wait > 0) await sleep(wait);
    // A 429 may have come in while this call waited for its slot or token: it waits too, unsent.
    const paused = this.throttledForMs(performance.now());
    if (paused > 0) {
      release('ignore', 0);
      return heldBack(this.name, paused);
    }
    const started = performance.now();
    const result = await this.#call(JSON.stringify(request), key, started);
    const seconds = (performance.now() - started) / 1000;
    // The pause is set before the slot is given back: the call waiting for the slot starts after it and
    // sees it. Set by the router after send() returned, it came a turn late: the next call had gone out
    // (upstream-answers.test.ts saw it 6 ms after a 429 with one call in flight allowed).
    if (result.kind === 'throttled' && result.retryAfterMs !== undefined) {
      this.pauseUntil(performance.now() + result.retryAfterMs);
    }
    // Given back once undici has finished with the answer: its connection is free for the next call.
    release(limitOutcome(result), seconds * 1000);
    this.#observer.onCall(this.name, resultLabel(result), seconds);
    return result;
  }

  /**
   * One POST through undici's dispatch API (#12): no Readable body stream, AsyncResource, promise per
   * step or AbortSignal listener per call as pool.request() has; the body is collected as it arrives
   * and the timeout is a deadline on the endpoint's one timer. Settles once, never rejects.
   */
  #call(body: string, key: string, started: number): Promise<CallResult> {
    return new Promise<CallResult>((resolve) => {
      const call = new Call(resolve, this.#deadlines);
      call.deadline = this.#deadlines.add(call.expire, started);
      // A flat list: no object with a computed key per call.
      this.#pool.dispatch(
        { method: 'POST', path: this.#path, headers: [...this.#headers, IDEMPOTENCY_HEADER, key], body },
        call,
      );
    });
  }

  close(): Promise<void> {
    this.#deadlines.close();
    return this.#pool.close();
  }
}

const { RequestAbortedError } = errors;
const timedOutError = () => new RequestAbortedError('upstream call timed out');

/** The state of one call, and undici's handler for it: one object per call, not a closure per callback. */
class Call implements Dispatcher.DispatchHandler {
  readonly #resolve: (result: CallResult) => void;
  readonly #deadlines: DeadlineQueue;
  deadline: Deadline | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #timedOut = false;
  #status = 0;
  #retryAfter: string | string[] | undefined;
  #chunks: Buffer[] = [];

  constructor(resolve: (result: CallResult) => void, deadlines: DeadlineQueue) {
    this.#resolve = resolve;
    this.#deadlines = deadlines;
  }

  /** The deadline passed with no answer: the call ends now; undici's request is aborted once started. */
  readonly expire = (): void => {
    this.#timedOut = true;
    const error = timedOutError();
    this.#controller?.abort(error);
    this.#fail(error);
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(timedOutError());
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#status = statusCode;
    this.#retryAfter = headers['retry-after'];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const text = chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString();
    this.#settle(classifyAnswer(this.#status, text, this.#retryAfter, Date.now()));
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    this.#settle(classifyCallError(error, this.#timedOut));
  }

  #settle(result: CallResult): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.deadline) this.#deadlines.cancel(this.deadline);
    // Nothing of the exchange is needed any more: let it go young (#12), whoever still holds this call.
    this.#controller = undefined;
    this.#chunks.length = 0;
    this.#resolve(result);
  }
}

/** What a call says about the upstream's load: 429s and timeouts are drops, other failures errors. */
function limitOutcome(result: CallResult): CallOutcome {
  if (result.kind === 'applied' || result.kind === 'replayed') return 'ok';
  if (result.kind === 'throttled') return 'drop';
  if (result.kind === 'rejected') return 'ignore';
  return result.error.code === 'UPSTREAM_TIMEOUT' ? 'drop' : 'error';
}
