// The one redaction point (#14): every text the operator emits (log lines, Events, status messages)
// passes through `redact`. Secret values enter the process in one place, `rememberingSecretReader`,
// which remembers each value it decodes, so a value that later shows up inside an error message, a
// URL or a debug field is masked wherever it appears. Credentials inside any URL (`scheme://user:pw@`)
// are masked even when they never came from a Secret (an URL typed into a spec).
import type { V1Secret } from '@kubernetes/client-node';

export const MASK = '***';

/** Shorter values are not remembered: masking every "a" or "1" would garble every line. */
const MIN_SECRET_LENGTH = 4;
/** Bounded memory: the oldest values are forgotten first (1,000 bots with two Secrets each fit). */
const MAX_REMEMBERED = 10_000;

const remembered = new Set<string>();
/** `remembered`, longest first (so a value containing another is masked whole); rebuilt on change. */
let longestFirst: string[] = [];

/** Remembers a secret value (and the password of an URL it carries) so `redact` masks it from now on. */
export function rememberSecretValue(value: string): void {
  for (const candidate of [value, value.trim(), urlPassword(value.trim())]) {
    if (candidate === undefined || candidate.length < MIN_SECRET_LENGTH || remembered.has(candidate))
      continue;
    remembered.add(candidate);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value as string);
    longestFirst = [...remembered].sort((a, b) => b.length - a.length);
  }
}

function urlPassword(value: string): string | undefined {
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]*)@/.exec(value);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** The text with URL credentials and every remembered secret value masked. */
export function redact(text: string): string {
  let out = text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s/?#@:"']*:)[^\s/?#@"']*@/g, `$1${MASK}@`);
  for (const value of longestFirst) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  return out;
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
  longestFirst = [];
}
