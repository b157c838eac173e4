// The share of shards a worker keeps (#13): floor or ceil of shards / live workers, and a newcomer gets
// its share even when the others could hold everything at ceil.
import { shardBalanceChange } from '../../../src/worker/shard-balance.ts';

/** Runs the rule round by round for every worker (free shards go to whoever asks first) until it settles. */
function settle(shards: number, start: number[]): number[] {
  const held = [...start];
  for (let round = 0; round < 20; round++) {
    const before = held.join(',');
    const fewest = Math.min(...held);
    const changes = held.map((h) => shardBalanceChange({ shards, live: held.length, held: h, fewest }));
    changes.forEach((c, i) => {
      if (c < 0) held[i] = (held[i] as number) + c;
    });
    let free = shards - held.reduce((a, b) => a + b, 0);
    changes.forEach((c, i) => {
      if (c <= 0) return;
      const take = Math.min(c, free);
      held[i] = (held[i] as number) + take;
      free -= take;
    });
    if (held.join(',') === before) return held;
  }
  throw new Error(`did not settle: ${held.join(',')}`);
}

test('16 shards over 5 workers: a newcomer with none gets its share (not 4,4,4,4,0)', () => {
  const held = settle(16, [4, 4, 4, 4, 0]);
  expect(held.reduce((a, b) => a + b, 0)).toBe(16);
  expect(Math.min(...held)).toBe(3);
  expect(Math.max(...held)).toBe(4);
});

test('scale-up and scale-in keep every shard owned and the spread within one', () => {
  for (const [shards, start] of [
    [8, [8, 0, 0]],
    [8, [3, 3, 2, 0]],
    [12, [6, 6]],
    [5, [0, 0, 0, 0, 0, 0, 0]],
  ] as const) {
    const held = settle(shards, [...start]);
    expect(held.reduce((a, b) => a + b, 0)).toBe(shards);
    expect(Math.max(...held) - Math.min(...held)).toBeLessThanOrEqual(1);
  }
});

test('a lone worker takes every shard; above ceil gives up the excess', () => {
  expect(shardBalanceChange({ shards: 8, live: 1, held: 0, fewest: 0 })).toBe(8);
  expect(shardBalanceChange({ shards: 8, live: 2, held: 8, fewest: 0 })).toBe(-4);
  expect(shardBalanceChange({ shards: 8, live: 3, held: 3, fewest: 2 })).toBe(0);
});
