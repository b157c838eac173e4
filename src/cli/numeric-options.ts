// Commander argument parsers for numeric flags: `--count abc` is a usage error naming the flag (commander
// prefixes "option '--count <n>' argument 'abc' is invalid."), exit 2, never NaN batches (#9).
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}.`,
      );
    return n;
  };
}

export function decimal(min: number, max = Number.POSITIVE_INFINITY): (text: string) => number {
  return (text) => {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected a number ${max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`}.`,
      );
    return n;
  };
}

/** A share of something: 0..1. */
export const share = decimal(0, 1);
