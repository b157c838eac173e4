// Keeps a client-node informer alive. client-node stops an informer on any watch or list error other
// than 410 Gone, and watches can go quiet without an error: the supervisor restarts it with
// exponential backoff, re-lists when a watch has been silent too long, replays the cache periodically
// (resync) and reports watch health.
//
// Every (re)start uses a fresh informer. Restarting the same one is unsafe: client-node's stop()
// cannot abort a watch request still waiting for its response headers, and aborting a live watch is
// reported as an error, so a second start() on one informer can leave two watch loops feeding (and
// aborting) each other. Events and errors from a replaced informer are ignored (and it is stopped
// again when it still delivers). The fresh informer's list is compared with what the handler was last
// told, so changes made while the watch was down (deletions included) arrive as add/update/delete.
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from '../../contracts/logger.ts';

export type WatchEventType = 'add' | 'update' | 'delete' | 'resync';

export interface WatchHealth {
  restart(): void;
  up(isUp: boolean): void;
  event(type: WatchEventType): void;
  lastEventAge(seconds: number): void;
}

/** Supervision tuning; the defaults suit production, tests shorten them. */
export interface WatchSupervisionOptions {
  /** A watch without any event or reconnect for this long is restarted with a fresh list. */
  maxSilenceMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface InformerSupervisorOptions<T extends KubernetesObject> extends WatchSupervisionOptions {
  /** What is watched, for logs and metric labels (e.g. `deployments`). */
  resource: string;
  createInformer: () => SupervisedInformer<T>;
  /** `previous`: what the handler was last told about this object (updates). */
  onEvent: (type: WatchEventType, object: T, previous?: T) => void;
  logger: Logger;
  health?: WatchHealth;
  resyncPeriodMs?: number;
  /** Called when a silent watch is restarted: connections may be dead (a black hole). */
  onSilence?: () => void;
  /**
   * Trims an object in place before it is kept (#14: fields never read, such as other managers'
   * managedFields, cost memory at 1,000 bots). The informer's cache holds the same object.
   */
  trim?: (object: T) => void;
}

export type SupervisedInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export const WATCH_SUPERVISION_DEFAULTS = {
  resyncPeriodMs: 10 * 60_000,
  maxSilenceMs: 15 * 60_000,
  backoffInitialMs: 500,
  backoffMaxMs: 60_000,
};

/** How often silence is checked: a quarter of the allowed silence, between 100 ms and a minute. */
export function silenceCheckIntervalMs(maxSilenceMs: number): number {
  return Math.min(60_000, Math.max(100, Math.floor(maxSilenceMs / 4)));
}

/** Full-jitter-ish exponential backoff: a delay in [exp/2, exp), exp = initial * 2^failures, capped. */
export function backoffDelayMs(
  failures: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
  return exp / 2 + random() * (exp / 2);
}

const keyOf = (object: KubernetesObject) =>
  `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

export class InformerSupervisor<T extends KubernetesObject> {
  private readonly options: InformerSupervisorOptions<T> & typeof WATCH_SUPERVISION_DEFAULTS;
  /** The synced informer, read by get() and list(). */
  private informer: SupervisedInformer<T> | undefined;
  /** A (re)start in progress, not yet synced. */
  private candidate: SupervisedInformer<T> | undefined;
  /** What onEvent was last told, by namespace/name. */
  private known = new Map<string, T>();
  /** Bumped on every (re)start and on stop(): callbacks of older informers compare and bail out. */
  private generation = 0;
  private stopped = false;
  private synced = false;
  private failures = 0;
  private lastEventAt = Date.now();
  /** Last event, reconnect or restart attempt: what the silence check measures. */
  private lastActivityAt = Date.now();
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private resolveSynced: () => void = () => {};

  constructor(options: InformerSupervisorOptions<T>) {
    this.options = {
      ...options,
      resyncPeriodMs: options.resyncPeriodMs ?? WATCH_SUPERVISION_DEFAULTS.resyncPeriodMs,
      maxSilenceMs: options.maxSilenceMs ?? WATCH_SUPERVISION_DEFAULTS.maxSilenceMs,
      backoffInitialMs: options.backoffInitialMs ?? WATCH_SUPERVISION_DEFAULTS.backoffInitialMs,
      backoffMaxMs: options.backoffMaxMs ?? WATCH_SUPERVISION_DEFAULTS.backoffMaxMs,
    };
  }

  /** Starts watching; resolves once the first list succeeded (the cache is synced), or on stop(). */
  async start(): Promise<void> {
    if (this.resyncTimer) throw new Error(`supervisor for ${this.options.resource} already started`);
    const synced = new Promise<void>((resolve) => (this.resolveSynced = resolve));
    this.resyncTimer = setInterval(() => this.resync(), this.options.resyncPeriodMs);
    this.resyncTimer.unref();
    this.silenceTimer = setInterval(
      () => this.checkSilence(),
      silenceCheckIntervalMs(this.options.maxSilenceMs),
    );
    this.silenceTimer.unref();
    void this.connect();
    await synced;
  }

  isSynced(): boolean {
    return this.synced;
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.informer?.list(namespace) ?? [];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer?.get(name, namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    clearInterval(this.silenceTimer);
    this.resolveSynced();
    await Promise.all([this.informer?.stop(), this.candidate?.stop()]);
  }

  /** Seconds since the last event or (re)list, for the health gauge. */
  lastEventAgeSeconds(): number {
    return (Date.now() - this.lastEventAt) / 1000;
  }

  /** One (re)start with a fresh informer; on failure, schedules the next with backoff. */
  private async connect(): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.restartTimer);
    const generation = ++this.generation;
    if (this.synced) this.options.health?.restart();
    // The old informers are done: stop them (their abort errors are ignored: older generation).
    void this.informer?.stop();
    void this.candidate?.stop();
    const candidate = this.options.createInformer();
    this.candidate = candidate;
    this.lastActivityAt = Date.now();
    const current = () => generation === this.generation;
    let failure: { error: unknown } | undefined;

    const seen = (type: WatchEventType) => (object: T) => {
      this.options.trim?.(object);
      if (!current()) {
        void candidate.stop(); // a replaced informer still watching: end it
        return;
      }
      if (this.informer !== candidate) return; // still listing: replayDifferences() reports it
      this.lastActivityAt = this.lastEventAt = Date.now();
      const previous = this.known.get(keyOf(object));
      if (type === 'delete') this.known.delete(keyOf(object));
      else this.known.set(keyOf(object), object);
      this.emit(type, object, previous);
    };
    candidate.on('add', seen('add'));
    candidate.on('update', seen('update'));
    candidate.on('delete', seen('delete'));
    candidate.on('connect', () => {
      if (current()) this.lastActivityAt = this.lastEventAt = Date.now();
    });
    candidate.on('error', (error) => {
      if (!current()) return;
      if (this.informer !== candidate) {
        failure = { error }; // during start(): handled below
        return;
      }
      // client-node has stopped the live informer.
      this.options.health?.up(false);
      this.scheduleRestart('watch failed, restarting', error);
    });

    try {
      await candidate.start();
    } catch (error) {
      failure ??= { error };
    }
    if (!current()) return; // replaced (silence) or stopped meanwhile
    this.candidate = undefined;
    if (failure) {
      void candidate.stop();
      this.options.health?.up(false);
      this.scheduleRestart('watch start failed', failure.error);
      return;
    }
    this.informer = candidate;
    this.failures = 0;
    this.lastActivityAt = this.lastEventAt = Date.now();
    this.options.health?.up(true);
    this.replayDifferences(candidate);
    if (this.synced) {
      this.options.logger.info('watch restarted', { resource: this.options.resource });
    } else {
      this.synced = true;
      this.resolveSynced();
    }
  }

  private scheduleRestart(message: string, error: unknown): void {
    const delayMs = backoffDelayMs(this.failures++, this.options.backoffInitialMs, this.options.backoffMaxMs);
    this.options.logger.warn(message, { resource: this.options.resource, error, delayMs });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.connect(), delayMs);
  }

  /** Tells the handler how a fresh list differs from what it knew. */
  private replayDifferences(informer: SupervisedInformer<T>): void {
    const listed = informer.list();
    if (this.options.trim) for (const object of listed) this.options.trim(object);
    const next = new Map(listed.map((object) => [keyOf(object), object]));
    for (const [key, old] of this.known) if (!next.has(key)) this.emit('delete', old);
    for (const [key, object] of next) {
      const old = this.known.get(key);
      if (!old) this.emit('add', object);
      else if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion)
        this.emit('update', object, old);
    }
    this.known = next;
  }

  private emit(type: WatchEventType, object: T, previous?: T): void {
    this.options.health?.event(type);
    this.options.onEvent(type, object, previous);
  }

  /** Restarts a watch (or a stuck restart) without any event or reconnect for maxSilenceMs. */
  private checkSilence(): void {
    if (this.stopped) return;
    const silentMs = Date.now() - this.lastActivityAt;
    if (silentMs <= this.options.maxSilenceMs) return;
    this.options.logger.info('watch silent, reconnecting', { resource: this.options.resource, silentMs });
    this.options.health?.up(false);
    this.options.onSilence?.();
    void this.connect();
  }

  /** Replays the cache to the handler. */
  private resync(): void {
    if (this.stopped || !this.informer) return;
    this.options.health?.lastEventAge(this.lastEventAgeSeconds());
    for (const object of this.informer.list()) this.emit('resync', object);
  }
}
