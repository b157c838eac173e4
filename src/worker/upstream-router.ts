// Applies an item upstream: retry with exponential backoff (cockatiel) around a call that goes to the
// primary, or to the next upstream while the primary's breaker is open.
import {
  BrokenCircuitError,
  CircuitState,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  fullJitterGenerator,
  handleType,
  noJitterGenerator,
  retry,
  type RetryPolicy,
} from 'cockatiel';
import { TransientError, type InventoryBotError } from './errors.ts';
import type { UpstreamEndpoint } from './upstream-endpoint.ts';
import type { ApplyRequest, ApplyResponse } from './upstream-protocol.ts';

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: 'full' | 'decorrelated' | 'none';
}

export type ApplyOutcome =
  | { ok: true; response: ApplyResponse; upstream: string; attempts: number }
  | { ok: false; error: InventoryBotError; attempts: number };

export function retryPolicyFor(options: RetryOptions): RetryPolicy {
  const base = { initialDelay: options.baseDelayMs, maxDelay: options.maxDelayMs };
  const backoff =
    options.jitter === 'full'
      ? new ExponentialBackoff({ ...base, generator: fullJitterGenerator })
      : options.jitter === 'none'
        ? new ExponentialBackoff({ ...base, generator: noJitterGenerator })
        : new ExponentialBackoff({ ...base, generator: decorrelatedJitterGenerator });
  // cockatiel counts retries; our maxAttempts counts the first call too.
  return retry(handleType(TransientError), { maxAttempts: options.maxAttempts - 1, backoff });
}

const blocked = (state: CircuitState) => state === CircuitState.Open || state === CircuitState.Isolated;

export class UpstreamRouter {
  readonly #endpoints: readonly UpstreamEndpoint[];
  readonly #retry: RetryPolicy;

  constructor(endpoints: readonly UpstreamEndpoint[], retryPolicy: RetryPolicy) {
    this.#endpoints = endpoints;
    this.#retry = retryPolicy;
  }

  async apply(request: ApplyRequest, idempotencyKey: string): Promise<ApplyOutcome> {
    let attempts = 0;
    try {
      const { response, upstream } = await this.#retry.execute(async () => {
        attempts++;
        return this.#once(request, idempotencyKey);
      });
      return { ok: true, response, upstream, attempts };
    } catch (error) {
      return { ok: false, error: error as InventoryBotError, attempts };
    }
  }

  async #once(request: ApplyRequest, key: string): Promise<{ response: ApplyResponse; upstream: string }> {
    for (const [index, endpoint] of this.#endpoints.entries()) {
      const last = index === this.#endpoints.length - 1;
      if (!last && blocked(endpoint.breaker.state)) continue;
      try {
        return { response: await endpoint.apply(request, key), upstream: endpoint.name };
      } catch (error) {
        // Half-open breakers let one trial call through and refuse the others: fail over for those.
        if (error instanceof BrokenCircuitError && !last) continue;
        if (error instanceof BrokenCircuitError) {
          throw new TransientError('CIRCUIT_OPEN', `circuit open for ${endpoint.name}`, { cause: error });
        }
        throw error;
      }
    }
    throw new TransientError('CIRCUIT_OPEN', 'no upstream available');
  }

  close(): Promise<void[]> {
    return Promise.all(this.#endpoints.map((e) => e.close()));
  }
}
