// The V8 heap bounds a worker process runs with (#12), shared by whoever starts one: the operator (the
// pod's command, from spec.resources.limits.memory), `inventorybot worker` and `npm run worker` (no
// container limit), and the benchmarks. Without them V8 sizes its heap from host memory (64 MiB
// semi-spaces and a 4 GiB old generation on a 24 GiB host: ~200–300 MiB RSS for a busy worker), and
// inside a memory cgroup it never sizes the heap below 259 MiB, so a 96Mi pod was OOM-killed before V8
// collected. Pure.

export interface WorkerHeap {
  /** --max-semi-space-size: the young generation is about three of these. */
  semiSpaceMiB: number;
  /** --max-old-space-size: V8 collects the old generation hard before it passes this. */
  oldSpaceMiB: number;
}

/** Outside a container (a VM, a laptop): bounds that keep a busy worker's peak RSS under 150 MiB. */
export const UNCONTAINED_WORKER_HEAP: WorkerHeap = { semiSpaceMiB: 8, oldSpaceMiB: 128 };

/**
 * Inside a container with a memory limit: the old generation at most half the limit and the young one
 * about a tenth, leaving the rest for code, native buffers and the Node binary's pages.
 */
export function workerHeap(memoryLimitBytes: number | undefined): WorkerHeap {
  if (memoryLimitBytes === undefined || !Number.isFinite(memoryLimitBytes) || memoryLimitBytes <= 0)
    return UNCONTAINED_WORKER_HEAP;
  const mib = memoryLimitBytes / 2 ** 20;
  return {
    semiSpaceMiB: clamp(Math.floor(mib / 32), 1, UNCONTAINED_WORKER_HEAP.semiSpaceMiB),
    oldSpaceMiB: clamp(Math.floor(mib / 2), 32, 1024),
  };
}

export function workerHeapFlags(heap: WorkerHeap): string[] {
  return [`--max-semi-space-size=${heap.semiSpaceMiB}`, `--max-old-space-size=${heap.oldSpaceMiB}`];
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
