// Per-process figures from Linux /proc, read by the parent while the child still runs.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

export interface ProcessFigures {
  /** Peak resident set size (VmHWM), bytes; NaN where /proc is not available. */
  peakRssBytes: number;
  /** Resident set size now (VmRSS), bytes; NaN where /proc is not available. */
  rssBytes: number;
  /** User + system CPU time so far, seconds; NaN where /proc is not available. */
  cpuSeconds: number;
}

export function processFigures(pid: number): ProcessFigures {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (field: string) => {
      const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
      return match ? Number(match[1]) * 1024 : Number.NaN;
    };
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return {
      peakRssBytes: kB('VmHWM'),
      rssBytes: kB('VmRSS'),
      cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return { peakRssBytes: Number.NaN, rssBytes: Number.NaN, cpuSeconds: Number.NaN };
  }
}
