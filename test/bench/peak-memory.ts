// Where a process's memory is at its peak resident set (#14: the operator's VmHWM alone cannot tell V8's
// heap from malloc or the node binary's pages). Sampled in-process: the highest RSS seen and, at that
// moment, V8's heap, external memory and the file-backed part of the resident set (the binary's pages).
// A sample every few ms can still miss a spike shorter than that: VmHWM stays the figure of record.
import { readFileSync } from 'node:fs';

export interface MemoryAtPeak {
  /** Seconds since sampling started. */
  atSeconds: number;
  rssBytes: number;
  /** RssFile of /proc/self/status: pages of the node binary and shared libraries; NaN without /proc. */
  rssFileBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** C++ objects bound to JS objects, array buffers included. */
  externalBytes: number;
}

function rssFileBytes(): number {
  try {
    const kB = /^RssFile:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kB === undefined ? Number.NaN : Number(kB) * 1024;
  } catch {
    return Number.NaN;
  }
}

/**
 * Samples the resident set every `intervalMs` until the process exits (the timer does not hold it);
 * `onPeak` sees each new highest sample. Returns a function giving the highest one so far.
 */
export function samplePeakMemory(
  intervalMs: number,
  onPeak?: (peak: MemoryAtPeak) => void,
): () => MemoryAtPeak | undefined {
  const started = performance.now();
  let peak: MemoryAtPeak | undefined;
  setInterval(() => {
    const rssBytes = process.memoryUsage.rss();
    if (peak && rssBytes <= peak.rssBytes) return;
    const usage = process.memoryUsage();
    peak = {
      atSeconds: (performance.now() - started) / 1000,
      rssBytes,
      rssFileBytes: rssFileBytes(),
      heapTotalBytes: usage.heapTotal,
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
    };
    onPeak?.(peak);
  }, intervalMs).unref();
  return () => peak;
}
