import { encodeIdempotencyKey, isValidHeaderValue } from '../../../src/worker/idempotency-key.ts';

describe('encodeIdempotencyKey (issue 11: any schema-valid key works)', () => {
  it('leaves visible ASCII without % unchanged', () => {
    expect(encodeIdempotencyKey('run1-b0001:3')).toBe('run1-b0001:3');
    expect(encodeIdempotencyKey('A/b?c=d&e#f')).toBe('A/b?c=d&e#f');
  });

  it.each([
    ['b\r\n1:0', 'b%0D%0A1:0'],
    ['nul\u0000', 'nul%00'],
    ['📦:1', '%F0%9F%93%A6:1'],
    ['café', 'caf%C3%A9'],
    [' padded ', '%20padded%20'],
    ['100%', '100%25'],
    ['tab\t', 'tab%09'],
  ])('%j -> %s, a valid header value', (key, encoded) => {
    expect(encodeIdempotencyKey(key)).toBe(encoded);
    expect(isValidHeaderValue(encodeIdempotencyKey(key))).toBe(true);
  });

  it('is injective: distinct keys stay distinct, including ones that look encoded', () => {
    const keys = ['a%20b', 'a b', 'a%2520b', '%', '%25', 'é', '%C3%A9', 'x\n', 'x%0A'];
    expect(new Set(keys.map(encodeIdempotencyKey)).size).toBe(keys.length);
  });

  it('agrees with what undici refuses', () => {
    expect(isValidHeaderValue('ok value')).toBe(true);
    expect(isValidHeaderValue('a\r\nb')).toBe(false);
    expect(isValidHeaderValue('\u0000')).toBe(false);
    expect(isValidHeaderValue('😀')).toBe(false);
  });
});
