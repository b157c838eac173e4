import { CircuitBreaker, type BreakerState } from '../../../src/worker/circuit-breaker.ts';

function breaker() {
  const changes: BreakerState[] = [];
  const b = new CircuitBreaker({ consecutiveFailures: 3, halfOpenAfterMs: 1000 }, (s) => changes.push(s));
  return { b, changes };
}

describe('CircuitBreaker (issue 11: its half-open schedule is known without a call)', () => {
  it('opens after consecutive failures; a success in between resets the run', () => {
    const { b } = breaker();
    for (const effect of ['failure', 'failure', 'success', 'failure', 'failure'] as const)
      b.record(effect, 'call', 0);
    expect(b.state).toBe('closed');
    b.record('failure', 'call', 10);
    expect(b.state).toBe('open');
    expect(b.probeDueAt).toBe(1010);
  });

  it('refuses until the trial is due, then lets exactly one trial through', () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure', 'call', 0);
    expect(b.canCall(999)).toBe(false);
    expect(b.grant(999)).toBe('refuse');
    expect(b.canCall(1000)).toBe(true);
    expect(b.grant(1000)).toBe('probe');
    expect(b.grant(1001)).toBe('refuse');
    expect(b.canCall(5000)).toBe(false);
    b.record('success', 'probe', 1002);
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed trial reopens for a full interval from its failure', () => {
    const { b } = breaker();
    for (let i = 0; i < 3; i++) b.record('failure', 'call', 0);
    b.grant(1500);
    b.record('failure', 'probe', 1600);
    expect(b.state).toBe('open');
    expect(b.probeDueAt).toBe(2600);
  });

  it('a trial that never left (effect none) can be retried at once; none never counts', () => {
    const { b } = breaker();
    for (let i = 0; i < 10; i++) b.record('none', 'call', 0);
    expect(b.state).toBe('closed');
    for (let i = 0; i < 3; i++) b.record('failure', 'call', 0);
    b.grant(1000);
    b.record('none', 'probe', 1200);
    expect(b.state).toBe('open');
    expect(b.canCall(1200)).toBe(true);
  });
});
