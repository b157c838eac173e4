// One upstream inventory API: a keep-alive connection pool, a token bucket, a timeout and its own
// circuit breaker (only transient failures count against it: a 4xx means the upstream is healthy).
import {
  CircuitBreakerPolicy,
  circuitBreaker,
  ConsecutiveBreaker,
  handleType,
  timeout,
  TimeoutStrategy,
  type TimeoutPolicy,
} from 'cockatiel';
import { Pool } from 'undici';
import { classifyNetworkError, classifyResponse } from './classify.ts';
import { InventoryBotError, TransientError } from './errors.ts';
import { TokenBucket } from './token-bucket.ts';
import {
  APPLY_PATH,
  IDEMPOTENCY_HEADER,
  type ApplyRequest,
  type ApplyResponse,
} from './upstream-protocol.ts';

export interface EndpointOptions {
  name: string;
  url: string;
  timeoutMs: number;
  rateLimitPerSecond: number;
  consecutiveFailures: number;
  halfOpenAfterMs: number;
  connections: number;
  token?: string;
}

export interface CallObserver {
  onCall(upstream: string, result: string, seconds: number): void;
}

export class UpstreamEndpoint {
  readonly name: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #bucket: TokenBucket;
  readonly #timeout: TimeoutPolicy;
  readonly #token: string | undefined;
  readonly #observer: CallObserver;

  constructor(options: EndpointOptions, observer: CallObserver) {
    const url = new URL(options.url);
    this.name = options.name;
    this.#pool = new Pool(url.origin, { connections: options.connections, keepAliveTimeout: 10_000 });
    this.#path = `${url.pathname.replace(/\/$/, '')}${APPLY_PATH}`;
    this.#bucket = new TokenBucket(options.rateLimitPerSecond);
    this.#timeout = timeout(options.timeoutMs, TimeoutStrategy.Aggressive);
    this.breaker = circuitBreaker(handleType(TransientError), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.consecutiveFailures),
    });
    this.#token = options.token;
    this.#observer = observer;
  }

  /** One call through the breaker. Throws BrokenCircuitError when open, else typed errors. */
  apply(request: ApplyRequest, idempotencyKey: string): Promise<ApplyResponse> {
    return this.breaker.execute(() => this.#call(request, idempotencyKey));
  }

  async #call(request: ApplyRequest, idempotencyKey: string): Promise<ApplyResponse> {
    await this.#bucket.take();
    const started = performance.now();
    let result = 'ok';
    try {
      return await this.#timeout.execute(async ({ signal }) => {
        let response;
        try {
          response = await this.#pool.request({
            method: 'POST',
            path: this.#path,
            headers: {
              'content-type': 'application/json',
              [IDEMPOTENCY_HEADER]: idempotencyKey,
              ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
            },
            body: JSON.stringify(request),
            signal,
          });
        } catch (error) {
          throw classifyNetworkError(error);
        }
        const text = await response.body.text().catch(() => '');
        const body = parseJson(text);
        const error = classifyResponse(response.statusCode, body);
        if (error) throw error;
        return body as ApplyResponse;
      });
    } catch (error) {
      const typed = error instanceof InventoryBotError ? error : classifyNetworkError(error);
      result = typed.code;
      throw typed;
    } finally {
      this.#observer.onCall(this.name, result, (performance.now() - started) / 1000);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
