// Scale to zero, opt-in (#15: spec.scaling.idleReplicas: 0). A bot whose queue has been empty, with
// nothing pending, for spec.scaling.idleSeconds goes to sleep: the operator sets its Deployment to 0
// (an HPA leaves a target at 0 replicas alone, and refuses minReplicas 0 without an alpha gate). The
// operator keeps reading a sleeping bot's queue every few seconds and wakes it at the first batch by
// setting the Deployment to 1; the HPA takes over from there. Pure: the decision from the previous
// status and this round's queue read.
import type { InventoryBotSpec, InventoryBotStatus } from '../../api/inventory-bot.ts';

/** How often a sleeping (or nearly sleeping) bot's queue is read: the wake-up latency. */
export const WAKE_POLL_MS = 2_000;

export interface SleepInput {
  scaling: InventoryBotSpec['scaling'];
  previous: InventoryBotStatus['autoscaling'];
  /** lag + pending this round; undefined: the queue was not read (nothing changes). */
  outstanding: number | undefined;
  nowMs: number;
}

export interface SleepState {
  asleep: boolean;
  /** Since when the queue has been empty (RFC 3339), while it is. */
  idleSince?: string;
  transition?: 'sleep' | 'wake';
  message?: string;
  /** When to look again, if sooner than the usual queue refresh. */
  recheckMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function sleepState(input: SleepInput): SleepState {
  const { scaling, previous, outstanding, nowMs } = input;
  const wasAsleep = previous?.asleep === true;
  const enabled = scaling.idleReplicas === 0;
  if (!enabled) {
    return wasAsleep
      ? {
          asleep: false,
          transition: 'wake',
          message: 'spec.scaling.idleReplicas was unset: waking to 1 worker',
        }
      : { asleep: false };
  }
  // Not read this round: keep the state (a sleeping bot with an unreadable queue sleeps on).
  if (outstanding === undefined) {
    return {
      asleep: wasAsleep,
      ...(previous?.idleSince ? { idleSince: previous.idleSince } : {}),
      ...(wasAsleep ? { recheckMs: WAKE_POLL_MS } : {}),
    };
  }
  if (outstanding > 0) {
    return wasAsleep
      ? {
          asleep: false,
          transition: 'wake',
          message: `${outstanding} batch${outstanding === 1 ? '' : 'es'} arrived: waking to 1 worker, the autoscaler takes over`,
        }
      : { asleep: false };
  }
  const idleSince = previous?.idleSince ?? iso(nowMs);
  if (wasAsleep) return { asleep: true, idleSince, recheckMs: WAKE_POLL_MS };
  const idleMs = nowMs - Date.parse(idleSince);
  if (idleMs >= scaling.idleSeconds * 1000) {
    return {
      asleep: true,
      idleSince,
      transition: 'sleep',
      message: `the queue has been empty with nothing pending for ${Math.round(idleMs / 1000)}s (idleSeconds ${scaling.idleSeconds}): scaling to 0 workers`,
      recheckMs: WAKE_POLL_MS,
    };
  }
  return { asleep: false, idleSince, recheckMs: Math.max(WAKE_POLL_MS, scaling.idleSeconds * 1000 - idleMs) };
}
