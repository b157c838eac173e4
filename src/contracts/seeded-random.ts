// A random source the simulator, the synthetic logs and the workload generator share (#16: it lived in
// simulator/faults.ts, so monitoring and the CLI imported the simulator for it). Pure.

export type Random = () => number;

/** Small seeded PRNG (mulberry32) so demos and tests can be repeated. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
