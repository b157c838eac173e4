// Small PromQL string helpers shared by the alert rules and the dashboard. Pure.

/** `metric{a="b",c=~"d"}`: joins label matchers, dropping empty ones; no braces when there are none. */
export function series(metric: string, ...matchers: Array<string | undefined>): string {
  const parts = matchers.filter((m): m is string => typeof m === 'string' && m.trim() !== '');
  return parts.length === 0 ? metric : `${metric}{${parts.join(',')}}`;
}

/** `by (a, b)` clause. */
export const by = (labels: readonly string[]): string => `by (${labels.join(', ')})`;

/** A threshold as PromQL prints it: no float noise (99.9 / 100 → 0.999, not 0.9990000000000001). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

/** Selector for one bot: namespace and the label carrying the bot name (job for a ServiceMonitor target). */
export function botSelector(namespace: string, bot: string, botLabel = 'job'): string {
  return `namespace="${escapeLabelValue(namespace)}",${botLabel}="${escapeLabelValue(bot)}"`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
