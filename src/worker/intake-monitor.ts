// Says so when no upstream can take calls (issue 11): `intake-paused` (repeated while it lasts) and
// `intake-resumed` with the pause's length, on the worker events (#16: the intake_paused gauge and the
// log lines subscribe). The consumer loop and readiness read the same router state; this only reports it.
import type { UpstreamRouter } from './upstream-router.ts';
import type { WorkerEvents } from './worker-events.ts';

const REPEAT_MS = 30_000;

export class IntakeMonitor {
  readonly #router: UpstreamRouter;
  readonly #events: WorkerEvents;
  #pausedAt: number | undefined;
  #loggedAt = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(router: UpstreamRouter, events: WorkerEvents) {
    this.#router = router;
    this.#events = events;
    this.#timer = setInterval(() => this.check(), 1000);
    this.#timer.unref();
  }

  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  check(now = Date.now()): void {
    const outage = this.#router.outage;
    if (outage && this.#pausedAt === undefined) {
      this.#pausedAt = now;
      this.#report(now, true);
    } else if (outage && now - this.#loggedAt >= REPEAT_MS) {
      this.#report(now, false);
    } else if (!outage && this.#pausedAt !== undefined) {
      const seconds = (now - this.#pausedAt) / 1000;
      this.#pausedAt = undefined;
      this.#events.emit('intake-resumed', seconds, this.#router.breakerStates());
    }
  }

  #report(now: number, first: boolean): void {
    this.#loggedAt = now;
    this.#events.emit('intake-paused', this.#pausedAt ?? now, this.#router.breakerStates(), first);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
