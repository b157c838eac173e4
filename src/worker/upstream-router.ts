// Routes one call: to the first upstream (primary, then secondary) whose breaker lets it through. An open
// breaker is probed on its own half-open schedule even while another upstream serves (issue 11): once
// its probe is due, the next call goes to it as the trial; a failed trial falls through to the next
// upstream in the same attempt. Failover and failback are reported on the worker events (#16: logged by
// log-subscriber.ts).
//
// It also answers "can any upstream take calls?" and lets callers wait until one can: items then wait
// for an upstream instead of burning attempts and deliveries on an outage.
import { breakerEffect, type CallResult } from './classify.ts';
import type { ErrorCode } from '../contracts/error-codes.ts';
import { TransientError } from '../contracts/errors.ts';
import type { ReleaseSlot } from './call-limiter.ts';
import { heldBack, type UpstreamEndpoint } from './upstream-endpoint.ts';
import type { ApplyRequest } from '../contracts/upstream-protocol.ts';
import type { WorkerEvents } from './worker-events.ts';

export type RoutedResult =
  | (CallResult & { upstream: string })
  | { kind: 'unavailable'; error: TransientError<ErrorCode>; upstream: undefined };

const now = () => performance.now();

/**
 * A call slot taken ahead of call() (#12): an item waits for it before its attempt loop starts, so the
 * ~200 items of the batches in hand that wait for one of the 32–64 slots hold one pending promise each,
 * not a suspended tower of five async frames that lived long enough to be promoted (GC was ~23 % of the
 * worker's CPU in a drain). call() uses it if the call goes to that endpoint, and gives it back otherwise.
 */
export interface SlotReservation {
  readonly endpoint: UpstreamEndpoint;
  readonly release: ReleaseSlot;
}

export class UpstreamRouter {
  readonly #endpoints: readonly UpstreamEndpoint[];
  readonly #events: WorkerEvents;
  readonly #waiters = new Set<() => void>();
  #serving: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(endpoints: readonly UpstreamEndpoint[], events: WorkerEvents) {
    if (endpoints.length === 0) throw new Error('at least one upstream is required');
    this.#endpoints = endpoints;
    this.#events = events;
    this.#serving = 0;
  }

  get names(): string[] {
    return this.#endpoints.map((e) => e.name);
  }

  /** No upstream's breaker is closed: the worker is in an outage (intake paused, not ready). */
  get outage(): boolean {
    return this.#endpoints.every((e) => e.breaker.state !== 'closed');
  }

  /** Some upstream takes a call now (closed, or open with its trial due). */
  available(at = now()): boolean {
    return this.#endpoints.some((e) => e.breaker.canCall(at));
  }

  /** Is a trial call due somewhere (an outage that a new batch could probe)? */
  probeDue(at = now()): boolean {
    return this.#endpoints.some((e) => e.breaker.state === 'open' && e.breaker.canCall(at));
  }

  /** The call limit of the upstream calls go to now; 0 if none takes calls (#12: sizes the intake). */
  callLimit(at = now()): number {
    return this.#endpoints[this.#route(at)]?.limiter.limit ?? 0;
  }

  breakerStates(): Record<string, string> {
    return Object.fromEntries(this.#endpoints.map((e) => [e.name, e.breaker.state]));
  }

  /** Resolves once some upstream takes calls, or when the signal aborts. */
  async whenAvailable(signal?: AbortSignal): Promise<void> {
    while (!this.available() && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
        this.#arm();
      });
    }
  }

  /** Breaker states changed: wake the waiters, and arm a timer for the next due trial. */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
    this.#arm();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiters.size === 0) return;
    const due = this.#endpoints.map((e) => e.breaker.probeDueAt).filter((t): t is number => t !== undefined);
    if (due.length === 0) return;
    this.#timer = setTimeout(() => this.notify(), Math.max(0, Math.min(...due) - now()) + 1);
  }

  /**
   * A slot of the endpoint the next call would go to, when that one is closed and not throttled (else
   * undefined: call() takes its slot itself); synchronous when a slot is free. The limiter's order holds:
   * the same priority queue serves reservations and calls.
   */
  reserve(priority = 0): SlotReservation | Promise<SlotReservation> | undefined {
    const at = now();
    const endpoint = this.#endpoints[this.#route(at)];
    if (endpoint === undefined || endpoint.breaker.state !== 'closed' || endpoint.throttledForMs(at) > 0)
      return undefined;
    const release = endpoint.limiter.tryAcquire();
    if (release) return { endpoint, release };
    return new Promise((resolve) =>
      endpoint.limiter.whenFree(priority, (slot) => resolve({ endpoint, release: slot })),
    );
  }

  /** `reserved`: a slot from reserve(), used if the call goes to its endpoint and given back otherwise. */
  async call(
    request: ApplyRequest,
    key: string,
    priority = 0,
    reserved?: SlotReservation,
  ): Promise<RoutedResult> {
    let unused = reserved;
    try {
      let failedProbe: RoutedResult | undefined;
      // After a failed trial the call goes on to the next upstream the rule picks, in the same attempt.
      for (let index = -1; ;) {
        const at = now();
        index = this.#route(at, index + 1);
        if (index < 0) break;
        const endpoint = this.#endpoints[index] as UpstreamEndpoint;
        const throttled = endpoint.throttledForMs(at);
        if (throttled > 0 && endpoint.breaker.state === 'closed') {
          // Backpressure from a 429 is not a reason to fail over: wait for the upstream that asked.
          return { ...heldBack(endpoint.name, throttled), upstream: endpoint.name };
        }
        // Not 'refuse': #route picked it because its breaker lets a call through at `at`.
        const grant = endpoint.breaker.grant(at);
        // A slot reserved at another upstream is given back before this one is called.
        let slot: ReleaseSlot | undefined;
        if (unused !== undefined) {
          if (unused.endpoint === endpoint) slot = unused.release;
          else unused.release('ignore', 0);
          unused = undefined;
        }
        const result = await endpoint.send(request, key, priority, slot);
        endpoint.breaker.record(breakerEffect(result), grant, now());
        if (grant === 'probe' && result.kind === 'failed') {
          failedProbe = { ...result, upstream: endpoint.name };
          continue;
        }
        if (result.kind === 'applied' || result.kind === 'replayed') this.#served(index);
        return { ...result, upstream: endpoint.name };
      }
      return (
        failedProbe ?? {
          kind: 'unavailable',
          error: new TransientError('CIRCUIT_OPEN', `no upstream available (${this.#describe()})`),
          upstream: undefined,
        }
      );
    } finally {
      // Throttled, routed elsewhere, or no upstream: the slot says nothing about the upstream's load.
      unused?.release('ignore', 0);
    }
  }

  /**
   * The upstream the next call goes to, from `from` on (the next after a failed trial), as an index; -1 if
   * none: the first whose breaker lets a call through (closed, or open with its trial due). call() and
   * reserve() both route by it (#12 review: reserve restated the rule). A closed upstream that asked to
   * wait (429) is still the one: backpressure is not a reason to fail over (call() answers `throttled`).
   */
  #route(at: number, from = 0): number {
    for (let index = from; index < this.#endpoints.length; index++) {
      if ((this.#endpoints[index] as UpstreamEndpoint).breaker.canCall(at)) return index;
    }
    return -1;
  }

  #served(index: number): void {
    if (index === this.#serving) return;
    const from = this.#endpoints[this.#serving]?.name ?? '';
    const to = this.#endpoints[index]?.name ?? '';
    const direction = index > this.#serving ? 'failover' : 'failback';
    this.#serving = index;
    // `serving-changed`: the upstream that served the last successful call changed.
    this.#events.emit('serving-changed', from, to, direction, this.breakerStates());
  }

  #describe(): string {
    return this.#endpoints.map((e) => `${e.name} ${e.breaker.state}`).join(', ');
  }

  close(): Promise<void[]> {
    if (this.#timer) clearTimeout(this.#timer);
    return Promise.all(this.#endpoints.map((e) => e.close()));
  }
}
