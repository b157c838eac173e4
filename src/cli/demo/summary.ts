// The demo's closing summary, from the figures gathered at the end of the run. Pure.

export interface DemoFigures {
  workers: number;
  batches: number;
  items: number;
  failureRate: number;
  seconds: number;
  batchOutcomes: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  retries: number;
  upstreamCalls: number;
  upstreamErrors: number;
  deadLetters: Record<string, number>;
  ledger: { applied: number; duplicates: number; replays: number };
  /** Known-SKU items: applied once, or held in the dead-letter stream for replay, none lost or doubled. */
  exactlyOnce: {
    expected: number;
    deadLettered: number;
    missing: number;
    duplicated: number;
    unexpected: number;
  };
  cleanExits: number;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const s = (value: number) => (Number.isFinite(value) ? `${value.toFixed(3)} s` : 'n/a');
const pct = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '0%');

export function exactlyOncePassed(f: DemoFigures): boolean {
  const e = f.exactlyOnce;
  return e.missing === 0 && e.duplicated === 0 && e.unexpected === 0 && f.ledger.duplicates === 0;
}

export function formatSummary(f: DemoFigures): string {
  const deadTotal = Object.values(f.deadLetters).reduce((a, b) => a + b, 0);
  const deadDetail = Object.entries(f.deadLetters)
    .map(([code, count]) => `${code} ${n(count)}`)
    .join(', ');
  const outcomes = ['success', 'partial', 'failed', 'dead_lettered', 'invalid']
    .map((o) => `${n(f.batchOutcomes[o] ?? 0)} ${o}`)
    .join(', ');
  const e = f.exactlyOnce;
  return [
    '',
    `InventoryBot demo: ${f.workers} workers, ${n(f.batches)} batches (${n(f.items)} items), upstream transient failure rate ${pct(f.failureRate, 1)}`,
    '',
    `  throughput       ${n(f.items / f.seconds)} items/s (${n(f.items)} items in ${f.seconds.toFixed(1)} s)`,
    `  batches          ${outcomes}`,
    `  batch duration   p50 ${s(f.p50)}   p95 ${s(f.p95)}   p99 ${s(f.p99)}`,
    `  retries          ${n(f.retries)} (${pct(f.retries, f.upstreamCalls)} of ${n(f.upstreamCalls)} upstream calls; ${n(f.upstreamErrors)} transient errors)`,
    `  dead letters     ${n(deadTotal)}${deadDetail ? ` (${deadDetail})` : ''}`,
    `  exactly-once     ${exactlyOncePassed(f) ? 'PASS' : 'FAIL'} (simulator ledger): ${n(f.ledger.applied)} of ${n(e.expected)} valid items applied once${e.deadLettered ? `, ${n(e.deadLettered)} held in dead letters` : ''}; ${n(e.missing)} lost, ${n(e.duplicated)} applied twice, ${n(e.unexpected)} unexpected`,
    `                   ${n(f.ledger.replays)} repeated calls (lost responses, reclaims) deduplicated by Idempotency-Key`,
    `  shutdown         ${f.cleanExits}/${f.workers} workers exited 0 after SIGTERM`,
    '',
  ].join('\n');
}
