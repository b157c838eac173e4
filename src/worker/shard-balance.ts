// How many shards a worker should hold (issue 13). Pure. With n live workers each holds floor(S/n) or
// ceil(S/n): a worker takes free shards up to ceil, gives up what is above ceil, and gives up what is
// above floor while some live worker holds fewer than floor (a newcomer, after a scale-up), so the
// free shards go to it. With S = 16 and 5 workers: 4,4,4,4,0 becomes 3,3,3,3,4, never all on four.

export interface BalanceInput {
  shards: number;
  live: number;
  /** Shards this worker holds and is not already giving up. */
  held: number;
  /** The fewest shards a live worker holds (this one included). */
  fewest: number;
}

/** > 0: take up to this many free shards; < 0: give up this many; 0: stay. */
export function shardBalanceChange({ shards, live, held, fewest }: BalanceInput): number {
  const workers = Math.max(1, live);
  const floor = Math.floor(shards / workers);
  const ceil = Math.ceil(shards / workers);
  if (held > ceil) return ceil - held;
  if (held > floor && fewest < floor) return floor - held;
  return ceil - held;
}
