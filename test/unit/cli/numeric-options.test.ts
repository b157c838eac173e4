import { InvalidArgumentError } from 'commander';
import { decimal, integer, share } from '../../../src/cli/numeric-options.ts';

describe('numeric flag parsers', () => {
  it.each(['abc', '', ' ', '1x', 'NaN', 'Infinity', '-1', '1.5', '0x10z'])(
    'integer(1) rejects %j',
    (text) => {
      expect(() => integer(1)(text)).toThrow(InvalidArgumentError);
    },
  );
  it('integer accepts whole numbers within bounds, and names the bounds when not', () => {
    expect(integer(1)('100')).toBe(100);
    expect(integer(0, 65535)(' 8080 ')).toBe(8080);
    expect(() => integer(0, 65535)('65536')).toThrow('from 0 to 65535');
    expect(() => integer(1)('0')).toThrow('>= 1');
  });
  it('decimal and share reject what is not a finite number in range', () => {
    for (const bad of ['abc', '', 'Infinity', '-0.1', '1.01'])
      expect(() => share(bad)).toThrow(InvalidArgumentError);
    expect(share('0.25')).toBe(0.25);
    expect(decimal(0)('1e3')).toBe(1000);
    expect(() => decimal(Number.MIN_VALUE)('0')).toThrow(InvalidArgumentError);
  });
});
