import { classifyNetworkError, classifyResponse } from '../../../src/worker/classify.ts';
import { PermanentError, TransientError } from '../../../src/worker/errors.ts';

describe('classifyResponse', () => {
  it('accepts 2xx', () => {
    expect(classifyResponse(200, {})).toBeNull();
    expect(classifyResponse(204, undefined)).toBeNull();
  });

  it.each([
    [429, 'RATE_LIMITED'],
    [408, 'UPSTREAM_TIMEOUT'],
    [504, 'UPSTREAM_TIMEOUT'],
    [500, 'UPSTREAM_5XX'],
    [503, 'UPSTREAM_5XX'],
  ])('%i is transient %s', (status, code) => {
    const error = classifyResponse(status, { error_code: 'WHATEVER' });
    expect(error).toBeInstanceOf(TransientError);
    expect(error?.code).toBe(code);
  });

  it.each([
    [404, { error_code: 'UNKNOWN_SKU', message: 'unknown SKU X' }, 'UNKNOWN_SKU'],
    [404, undefined, 'VALIDATION_ERROR'],
    [422, { error_code: 'VALIDATION_ERROR' }, 'VALIDATION_ERROR'],
    [400, { error_code: 'SOMETHING_ELSE' }, 'VALIDATION_ERROR'],
    [401, {}, 'UNAUTHORIZED'],
    [403, {}, 'UNAUTHORIZED'],
  ])('%i %j is permanent %s', (status, body, code) => {
    const error = classifyResponse(status, body);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error?.code).toBe(code);
  });

  it('keeps the upstream message', () => {
    expect(classifyResponse(404, { error_code: 'UNKNOWN_SKU', message: 'unknown SKU X' })?.message).toBe(
      'upstream answered 404 UNKNOWN_SKU: unknown SKU X',
    );
  });
});

describe('classifyNetworkError', () => {
  it('maps timeouts and aborts to UPSTREAM_TIMEOUT', () => {
    expect(classifyNetworkError(Object.assign(new Error('x'), { name: 'TaskCancelledError' })).code).toBe(
      'UPSTREAM_TIMEOUT',
    );
    expect(
      classifyNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).code,
    ).toBe('UPSTREAM_TIMEOUT');
  });

  it('maps everything else to CONNECTION_ERROR', () => {
    const error = classifyNetworkError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe('CONNECTION_ERROR');
    expect(error.message).toContain('ECONNREFUSED');
  });
});
