// The Idempotency-Key header value of an item key. Any schema-valid batchId or item key must work
// (issue 11): header values may not hold CR, LF, NUL or non-Latin-1 characters, and surrounding
// whitespace is trimmed by HTTP parsers. So every character outside visible ASCII, plus space and `%`
// itself, is percent-encoded (UTF-8 bytes, uppercase hex). The mapping is injective, and keys made of
// visible ASCII without `%` (every key the CLI generates) are sent unchanged. Pure.

const SAFE = /^[\x21-\x24\x26-\x7e]*$/;

export function encodeIdempotencyKey(key: string): string {
  if (SAFE.test(key)) return key;
  let out = '';
  for (const char of key) {
    const code = char.codePointAt(0) as number;
    if (code >= 0x21 && code <= 0x7e && char !== '%') {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** undici's rule for header values: no CR, LF, NUL or other control characters but tab, Latin-1 only. */
export function isValidHeaderValue(value: string): boolean {
  return !/[^\t\x20-\x7e\x80-\xff]/.test(value);
}
