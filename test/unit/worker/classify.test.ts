import { breakerEffect, classifyAnswer, classifyCallError } from '../../../src/worker/classify.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const answer = (status: number, body = '', retryAfter?: string) =>
  classifyAnswer(status, body, retryAfter, NOW);
const summary = (status: number, body = '') => {
  const r = answer(status, body);
  return { kind: r.kind, code: 'error' in r ? r.error.code : undefined, breaker: breakerEffect(r) };
};

describe('classifyAnswer: every answer class has one result (issue 11)', () => {
  it.each([
    [200, '{"status":"applied","stock":3}', 'applied'],
    [200, '{"status":"replayed","stock":3}', 'replayed'],
    [201, '', 'applied'],
    [204, '', 'applied'],
    [200, 'OK', 'applied'],
    [200, '<html>fine</html>', 'applied'],
    [202, '[1,2]', 'applied'],
    [200, 'null', 'applied'],
  ])('%i %j is %s and a breaker success', (status, body, kind) => {
    expect(summary(status, body)).toEqual({ kind, code: undefined, breaker: 'success' });
  });

  it.each([
    [500, 'UPSTREAM_5XX'],
    [503, 'UPSTREAM_5XX'],
    [502, 'UPSTREAM_5XX'],
    [504, 'UPSTREAM_TIMEOUT'],
    [408, 'UPSTREAM_TIMEOUT'],
    [301, 'UPSTREAM_REDIRECT'],
    [302, 'UPSTREAM_REDIRECT'],
    [307, 'UPSTREAM_REDIRECT'],
    [401, 'UNAUTHORIZED'],
    [403, 'UNAUTHORIZED'],
    [404, 'UPSTREAM_REJECTED'],
    [405, 'UPSTREAM_REJECTED'],
    [415, 'UPSTREAM_REJECTED'],
  ])('%i without a protocol body is about the upstream: retried, a breaker failure (%s)', (status, code) => {
    expect(summary(status, '<html>nope</html>')).toEqual({ kind: 'failed', code, breaker: 'failure' });
  });

  it.each([
    [404, '{"error_code":"UNKNOWN_SKU","message":"unknown SKU X"}', 'UNKNOWN_SKU'],
    [422, '{"error_code":"VALIDATION_ERROR"}', 'VALIDATION_ERROR'],
    [422, '{"error_code":"IDEMPOTENCY_KEY_REUSED"}', 'IDEMPOTENCY_KEY_REUSED'],
    [400, '{"error_code":"SOMETHING_ELSE"}', 'VALIDATION_ERROR'],
    [400, 'bad request', 'VALIDATION_ERROR'],
    [413, '', 'VALIDATION_ERROR'],
    [422, '', 'VALIDATION_ERROR'],
  ])('%i %j is a verdict about the item (%s) and a breaker success', (status, body, code) => {
    expect(summary(status, body)).toEqual({ kind: 'rejected', code, breaker: 'success' });
  });

  it('401/403 with a protocol body still say nothing about the item', () => {
    expect(summary(401, '{"error_code":"UNAUTHORIZED"}')).toEqual({
      kind: 'failed',
      code: 'UNAUTHORIZED',
      breaker: 'failure',
    });
  });

  it('429 and 409 are backpressure with their Retry-After, never a breaker failure', () => {
    expect(answer(429, '', '7')).toMatchObject({ kind: 'throttled', retryAfterMs: 7000 });
    expect(answer(429, '', new Date(NOW + 3000).toUTCString())).toMatchObject({ retryAfterMs: 3000 });
    expect(answer(429, '')).toMatchObject({ kind: 'throttled', retryAfterMs: undefined });
    expect(answer(409, '', '1')).toMatchObject({ kind: 'throttled', retryAfterMs: 1000 });
    expect(breakerEffect(answer(429, ''))).toBe('success');
    const r = answer(429, '');
    expect('error' in r && r.error.code).toBe('RATE_LIMITED');
  });

  it('keeps the upstream message, shortened', () => {
    const r = answer(404, '{"error_code":"UNKNOWN_SKU","message":"unknown SKU X"}');
    expect('error' in r && r.error.message).toBe('upstream answered 404 UNKNOWN_SKU: unknown SKU X');
    const long = answer(500, 'x'.repeat(5000));
    expect('error' in long && long.error.message.length).toBeLessThan(300);
  });
});

describe('classifyCallError', () => {
  it('our timeout is UPSTREAM_TIMEOUT whatever undici threw', () => {
    const r = classifyCallError(Object.assign(new Error('aborted'), { name: 'AbortError' }), true);
    expect(r).toMatchObject({ kind: 'failed', breaker: 'failure' });
    expect('error' in r && r.error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('a request undici refuses to build is a permanent item error that never touches the breaker', () => {
    const r = classifyCallError(
      Object.assign(new Error('invalid header'), { code: 'UND_ERR_INVALID_ARG' }),
      false,
    );
    expect(r).toMatchObject({ kind: 'rejected', breaker: 'none' });
    expect('error' in r && r.error.code).toBe('INVALID_REQUEST');
  });

  it('everything else is CONNECTION_ERROR', () => {
    const r = classifyCallError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), false);
    expect('error' in r && r.error.code).toBe('CONNECTION_ERROR');
    expect('error' in r && r.error.message).toContain('ECONNREFUSED');
  });
});

describe('errors for upstream answers carry no stack trace (#12: capturing it was ~3 % of a 20 % drain)', () => {
  it.each([
    [503, ''],
    [429, ''],
    [409, ''],
    [422, '{"error":{"code":"UNKNOWN_SKU"}}'],
    [404, 'not here'],
  ])('%i: the class, code and message, and no frames', (status, body) => {
    const r = answer(status, body);
    if (!('error' in r)) throw new Error(`${status} gave no error`);
    expect(r.error.stack).toBe(`${r.error.name}: ${r.error.message}`);
    expect(r.error.message).toContain(String(status));
  });

  it('other errors still capture their stack', () => {
    answer(503);
    expect(new Error('x').stack).toMatch(/\n\s+at /);
    const r = classifyCallError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), false);
    expect('error' in r && r.error.stack).toMatch(/\n\s+at /);
  });
});
