// When a drain's items were applied, from the simulator's ledger (#12): the seconds to 99 % of the items,
// and the tail after it. At the plans' 20 % failures a 2,000-batch drain of ours spent ~1.4 s of its
// ~5 s on its last 1 % of items, the last second of it at ~10 calls: the longest retry chains waiting out
// their backoffs, against ~6,700 calls/s before (a diagnosis, 2026-12-01). A drain's items/s mixes the
// two; this shows them apart.
import type { SimulatorHandle } from '../../src/simulator/server.ts';

/** How often the ledger is looked at: finer than a backoff step (100 ms), cheap (a counter read). */
const SAMPLE_MS = 10;

export interface DrainProgress {
  /** Seconds from the start until 99 % of the items were applied (undefined: never reached). */
  secondsTo99: number | undefined;
  /** Upstream calls answered after that point. */
  tailCalls: number;
}

export interface DrainWatch {
  /** Whether 99 % of the items have been seen applied. */
  reached(): boolean;
  /** At the end of the drain: the figures, and the sampling stops. */
  stop(): DrainProgress;
}

/** Starts watching now. */
export function watchDrainProgress(simulator: SimulatorHandle, items: number): DrainWatch {
  const start = performance.now();
  const base = simulator.ledger.appliedCount;
  const target = base + Math.ceil(items * 0.99);
  let secondsTo99: number | undefined;
  let callsAt99 = 0;
  const look = () => {
    if (secondsTo99 !== undefined || simulator.ledger.appliedCount < target) return;
    secondsTo99 = (performance.now() - start) / 1000;
    callsAt99 = answered(simulator);
    clearInterval(timer);
  };
  const timer = setInterval(look, SAMPLE_MS);
  return {
    reached: () => secondsTo99 !== undefined,
    stop: () => {
      look();
      clearInterval(timer);
      return { secondsTo99, tailCalls: secondsTo99 === undefined ? 0 : answered(simulator) - callsAt99 };
    },
  };
}

/** Every apply request the simulator answered so far, whatever the status. */
export function answered(simulator: SimulatorHandle): number {
  return Object.values(simulator.responseCounts()).reduce((sum, n) => sum + n, 0);
}
