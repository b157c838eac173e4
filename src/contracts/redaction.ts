// The one redaction point (#11, #14, merged for #16): secrets never reach a log line, an error message,
// an Event, a status message or a metric label. What is secret: the credentials inside any URL
// (`scheme://user:pw@`, even one typed into a spec and never read from a Secret), the values a caller
// names (the worker's upstream token and Redis password), and every value remembered from a Secret read
// (the operator's `rememberingSecretReader`), so a value that later shows up inside an error message or
// a debug field is masked wherever it appears.
import type { V1Secret } from '@kubernetes/client-node';

export const MASK = '***';

/** Shorter values are not remembered: masking every "a" or "1" would garble every line. */
const MIN_SECRET_LENGTH = 3;
/** Bounded memory: the oldest values are forgotten first (1,000 bots with two Secrets each fit). */
const MAX_REMEMBERED = 10_000;

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"']*:)[^\s/?#@"']*@/gi;
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/(?:[^\s/?#@:]*:)?([^\s/?#@]*)@/i;

/** scheme://user:secret@host → scheme://user:***@host (any scheme; text without a URL is unchanged). */
export function redactUrl(text: string): string {
  // Every string of every log line passes here (#12: a batch line per batch): no regex without a URL.
  if (!text.includes('://')) return text;
  return text.replace(URL_CREDENTIALS, `$1${MASK}@`);
}

/** The secret strings inside a URL's userinfo: the password, raw and percent-decoded. */
export function urlSecrets(url: string | undefined): string[] {
  const raw = url === undefined ? undefined : URL_PASSWORD.exec(url.trim())?.[1];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form only
  }
  return [...new Set([raw, decoded])].filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** The text with URL credentials and the given secret values masked (longest first, so a value
 *  containing another is masked whole). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  return maskLongestFirst(text, [...secrets].sort(longestFirstOrder));
}

function maskLongestFirst(text: string, longestFirst: readonly string[]): string {
  let out = redactUrl(text);
  for (const secret of longestFirst) {
    if (secret && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

const longestFirstOrder = (a: string, b: string) => b.length - a.length;

const remembered = new Set<string>();
/** `remembered`, longest first; rebuilt on change, not on every line. */
let rememberedLongestFirst: string[] = [];

/** Remembers a secret value (and the password of an URL it carries) so `redact` masks it from now on. */
export function rememberSecretValue(value: string): void {
  for (const candidate of [value, value.trim(), ...urlSecrets(value)]) {
    if (candidate.length < MIN_SECRET_LENGTH || remembered.has(candidate)) continue;
    remembered.add(candidate);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value as string);
    rememberedLongestFirst = [...remembered].sort(longestFirstOrder);
  }
}

/** The text with URL credentials and every remembered secret value masked. */
export function redact(text: string): string {
  return maskLongestFirst(text, rememberedLongestFirst);
}

/** Wraps a Secret read so every value it returns is remembered before anyone can print it. */
export function rememberingSecretReader(
  read: (namespace: string, name: string) => Promise<V1Secret>,
): (namespace: string, name: string) => Promise<V1Secret> {
  return async (namespace, name) => {
    const secret = await read(namespace, name);
    for (const encoded of Object.values(secret.data ?? {})) {
      rememberSecretValue(Buffer.from(encoded, 'base64').toString('utf8'));
    }
    for (const value of Object.values(secret.stringData ?? {})) rememberSecretValue(value);
    return secret;
  };
}

/** For tests: forget every remembered value. */
export function forgetSecretValues(): void {
  remembered.clear();
  rememberedLongestFirst = [];
}
