// Secrets never reach a log line, an error message or a metric label (issue 11). One place decides
// what is secret: passwords in URLs (Redis, upstreams) and the upstream token. Pure.

/** scheme://user:secret@host → scheme://user:***@host (any scheme; text without a URL is unchanged). */
export function redactUrl(url: string): string {
  return url.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]*@/gi, '$1***@');
}

/** The secret strings inside a URL's userinfo: the password, raw and percent-decoded. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^\s:@/]*:)?([^\s@/]*)@/i.exec(url);
  const raw = match?.[1];
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // keep the raw form only
  }
  return [...new Set([raw, decoded])].filter((s) => s.length >= 3);
}

/** Replaces every occurrence of a secret, and the password of any URL, in free text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = redactUrl(text);
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}
