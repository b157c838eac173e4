// The figures a person asks for first about a backlog (#15): how long until it is done at the current
// rate, and how many workers the queue calls for. Pure.

/**
 * The work left in a backlog, in batches: the lag (not yet delivered) plus the pending batches counted as
 * half done. A worker holds up to 8 batches per batch slot and works their items side by side (#12), so
 * the batches in its hands are on average half done: once the lag is gone they finish in about half the
 * time their count says. Counted whole, they put the ETA 16–25 % long on the real node (2 workers at 30
 * calls/s, 20 % failures: ~60 held of ~250 outstanding), and 16–24 % in a local trace of the same drain
 * (test/unit/operator/drain-eta.test.ts).
 */
export function batchesLeft(lag: number, pending: number): number {
  return Math.max(0, lag) + Math.max(0, pending) / 2;
}

/** Seconds to work off `left` batches (batchesLeft) at `ratePerSecond`; undefined when nothing is being done. */
export function drainSeconds(left: number, ratePerSecond: number | undefined): number | undefined {
  if (left <= 0) return 0;
  if (ratePerSecond === undefined || ratePerSecond <= 0) return undefined;
  return Math.ceil(left / ratePerSecond);
}

/** kubectl-style short duration: 0s, 45s, 4m10s, 2h05m, 3d04h. */
export function shortDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** Replicas the queue alone calls for at `perReplica` outstanding batches each (the HPA's arithmetic). */
export function queueReplicas(outstanding: number, perReplica: number): number | undefined {
  if (perReplica <= 0) return undefined;
  return Math.ceil(Math.max(0, outstanding) / perReplica);
}

/** Two significant digits: a status that does not change with every read's last digit. */
export function roughly(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  return Number(value.toPrecision(2));
}
