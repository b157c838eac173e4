// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Pure.

/** Honoured up to an hour: a longer value is almost certainly a broken upstream, not a plan. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Milliseconds to wait, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Math.min(Number(raw) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), MAX_RETRY_AFTER_MS);
}
