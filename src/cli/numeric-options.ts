// Commander argument parsers for numeric flags: `--count abc` is a usage error naming the flag (commander
// prefixes "option '--count <n>' argument 'abc' is invalid."), exit 2, never NaN batches (#9).
import { InvalidArgumentError } from 'commander';

/** A whole number from min to max (max unset: no upper bound). */
export const integer = (min: number, max?: number) => numberIn('an integer', Number.isInteger, min, max);

/** A finite number from min to max (max unset: no upper bound). */
export const decimal = (min: number, max?: number) => numberIn('a number', Number.isFinite, min, max);

/** A share of something: 0..1. */
export const share = decimal(0, 1);

function numberIn(
  what: string,
  valid: (n: number) => boolean,
  min: number,
  max: number | undefined,
): (text: string) => number {
  return (text) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !valid(n) || n < min || (max !== undefined && n > max))
      throw new InvalidArgumentError(
        `expected ${what} ${max === undefined ? `>= ${min}` : `from ${min} to ${max}`}.`,
      );
    return n;
  };
}
