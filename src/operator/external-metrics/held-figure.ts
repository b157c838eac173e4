// The queue figure served to the HPA (#15). Normally lag + pending. While every worker has paused
// intake, the figure that keeps today's worker count (workers x target), so queue lag growing during an
// upstream outage adds no workers that would only pause too. While the queue cannot be read, the
// configured fallback (fallbackReplicas x target) or the last figure served, instead of an error: an
// HPA with a failing metric stops scaling in and KEDA-style fallbacks that replace the whole
// calculation fight the CPU metric; a held figure is one metric among the others, so the HPA still
// takes the highest of it and CPU.
import { intakePaused } from '../scaling/replica-hold.ts';
import type { WorkerPresence } from '../../contracts/worker-presence.ts';

export interface FigureInput {
  perReplica: number;
  fallbackReplicas?: number;
  /** The last figure served for this bot, if any. */
  lastServed?: number;
  reading?: { outstanding: number; workers: ReadonlyArray<WorkerPresence> };
  /** Why the queue could not be read (reading is then absent). */
  error?: string;
}

export interface Figure {
  value: number;
  /** Why the figure is held rather than read; absent when it is the queue's own. */
  held?: 'IntakePaused' | 'QueueUnreadable';
}

/** The figure to serve, or undefined when there is nothing to hold on to (the request then fails). */
export function servedFigure(input: FigureInput): Figure | undefined {
  if (input.reading) {
    if (intakePaused(input.reading.workers) && input.perReplica > 0) {
      return { value: input.reading.workers.length * input.perReplica, held: 'IntakePaused' };
    }
    return { value: input.reading.outstanding };
  }
  if (input.fallbackReplicas !== undefined && input.perReplica > 0) {
    return { value: input.fallbackReplicas * input.perReplica, held: 'QueueUnreadable' };
  }
  if (input.lastServed !== undefined) return { value: input.lastServed, held: 'QueueUnreadable' };
  return undefined;
}
