// A consecutive-failures circuit breaker whose half-open schedule is its own (issue 11): cockatiel moves
// Open -> HalfOpen only inside execute(), so a router that skips an open upstream never probed it again.
// Here `probeDueAt` is known, the router can wait for it, and the first call after it is the trial.
// Pure apart from the state-change callback; time is passed in.
import type { WorkerFileConfig } from '../contracts/worker-config.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';
/** call: a normal call; probe: the half-open trial (one at a time); refuse: skip this upstream. */
export type Grant = 'call' | 'probe' | 'refuse';

/** spec.circuitBreaker as the worker config document gives it (#16: derived, not restated). */
export type BreakerOptions = WorkerFileConfig['circuitBreaker'];

export class CircuitBreaker {
  readonly #o: BreakerOptions;
  readonly #onChange: (state: BreakerState, previous: BreakerState) => void;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;

  constructor(options: BreakerOptions, onChange: (state: BreakerState, previous: BreakerState) => void) {
    this.#o = options;
    this.#onChange = onChange;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** When an open breaker lets its next trial call through; undefined unless open. */
  get probeDueAt(): number | undefined {
    return this.#state === 'open' ? this.#openedAt + this.#o.halfOpenAfterMs : undefined;
  }

  /** Would a call be let through now (a normal call or a trial)? */
  canCall(now: number): boolean {
    return this.#state === 'closed' || (this.#state === 'open' && now >= (this.probeDueAt as number));
  }

  grant(now: number): Grant {
    if (this.#state === 'closed') return 'call';
    if (this.#state === 'open' && now >= (this.probeDueAt as number)) {
      this.#set('half_open');
      return 'probe';
    }
    return 'refuse';
  }

  /** The outcome of a granted call. `none`: the call never left (it says nothing about the upstream). */
  record(effect: 'success' | 'failure' | 'none', grant: Grant, now: number): void {
    if (grant === 'probe') {
      if (effect === 'success') {
        this.#failures = 0;
        this.#set('closed');
      } else {
        // A failed trial reopens for a full interval; a trial that never left may be retried at once.
        if (effect === 'failure') this.#openedAt = now;
        this.#set('open');
      }
      return;
    }
    if (effect === 'success') this.#failures = 0;
    if (effect !== 'failure' || this.#state !== 'closed') return;
    this.#failures++;
    if (this.#failures >= this.#o.consecutiveFailures) {
      this.#openedAt = now;
      this.#set('open');
    }
  }

  #set(state: BreakerState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#onChange(state, previous);
  }
}
