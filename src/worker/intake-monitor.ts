// Says so when no upstream can take calls (issue 11): the intake_paused gauge, an `intake_paused` log
// line (repeated while it lasts) and `intake_resumed` with the pause's length. The consumer loop and
// readiness read the same router state; this only reports it.
import type { Logger } from '../contracts/logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { UpstreamRouter } from './upstream-router.ts';

const REPEAT_MS = 30_000;

export class IntakeMonitor {
  readonly #router: UpstreamRouter;
  readonly #metrics: WorkerMetrics;
  readonly #logger: Logger;
  #pausedAt: number | undefined;
  #loggedAt = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(router: UpstreamRouter, metrics: WorkerMetrics, logger: Logger) {
    this.#router = router;
    this.#metrics = metrics;
    this.#logger = logger;
    metrics.intakePaused.set(0);
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
      this.#metrics.intakePaused.set(1);
      this.#log(now);
    } else if (outage && now - this.#loggedAt >= REPEAT_MS) {
      this.#log(now);
    } else if (!outage && this.#pausedAt !== undefined) {
      const seconds = (now - this.#pausedAt) / 1000;
      this.#pausedAt = undefined;
      this.#metrics.intakePaused.set(0);
      this.#logger.info('intake_resumed', {
        paused_seconds: Number(seconds.toFixed(3)),
        upstreams: this.#router.breakerStates(),
      });
    }
  }

  #log(now: number): void {
    this.#loggedAt = now;
    this.#logger.warn('intake_paused', {
      reason:
        'no upstream can take calls (every circuit breaker is open); batches in hand wait, none are taken',
      since: new Date(this.#pausedAt ?? now).toISOString(),
      upstreams: this.#router.breakerStates(),
    });
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
