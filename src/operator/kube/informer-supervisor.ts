// Keeps a client-node informer alive. client-node stops an informer on any watch or list error other
// than 410 Gone, and watches can go quiet without an error: the supervisor restarts it with
// exponential backoff (keeping its cache, so deletions during the outage arrive as DELETE events on
// the re-list), re-lists when a watch has been silent too long, replays the cache periodically
// (resync) and reports watch health.
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from '../logger.ts';

export type WatchEventType = 'add' | 'update' | 'delete' | 'resync';

export interface WatchHealth {
  restart(): void;
  up(isUp: boolean): void;
  event(type: WatchEventType): void;
  lastEventAge(seconds: number): void;
}

export interface InformerSupervisorOptions<T extends KubernetesObject> {
  /** What is watched, for logs and metric labels (e.g. `deployments`). */
  resource: string;
  createInformer: () => Informer<T> & ObjectCache<T>;
  onEvent: (type: WatchEventType, object: T) => void;
  logger: Logger;
  health?: WatchHealth;
  resyncPeriodMs?: number;
  /** A watch without any event for this long is restarted with a fresh list. */
  maxSilenceMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export class InformerSupervisor<T extends KubernetesObject> {
  private readonly options: Required<Omit<InformerSupervisorOptions<T>, 'health'>> & { health?: WatchHealth };
  private informer: (Informer<T> & ObjectCache<T>) | undefined;
  private stopped = false;
  private failures = 0;
  private lastEventAt = Date.now();
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private failedSinceStart = false;
  private synced = false;

  constructor(options: InformerSupervisorOptions<T>) {
    this.options = {
      resyncPeriodMs: 10 * 60_000,
      maxSilenceMs: 15 * 60_000,
      backoffInitialMs: 500,
      backoffMaxMs: 60_000,
      ...options,
    };
  }

  /** Starts watching; resolves once the first list succeeded (the cache is synced). */
  async start(): Promise<void> {
    const informer = this.options.createInformer();
    this.informer = informer;
    const seen = (type: WatchEventType) => (object: T) => {
      this.lastEventAt = Date.now();
      this.options.health?.event(type);
      this.options.onEvent(type, object);
    };
    informer.on('add', seen('add'));
    informer.on('update', seen('update'));
    informer.on('delete', seen('delete'));
    informer.on('connect', () => {
      this.lastEventAt = Date.now();
    });
    informer.on('error', (error) => this.onError(error));
    this.resyncTimer = setInterval(() => this.resync(), this.options.resyncPeriodMs);
    this.resyncTimer.unref();
    while (!this.stopped && !(await this.attempt())) {
      await new Promise((resolve) => setTimeout(resolve, this.backoffMs()));
    }
    this.synced = true;
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
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    await this.informer?.stop();
  }

  /** One start of the informer; false when its list or watch failed. */
  private async attempt(): Promise<boolean> {
    this.failedSinceStart = false;
    try {
      await this.informer?.start();
    } catch (error) {
      this.failedSinceStart = true;
      this.options.logger.warn('watch start failed', { resource: this.options.resource, error });
    }
    const ok = !this.failedSinceStart;
    this.options.health?.up(ok);
    if (ok) this.lastEventAt = Date.now();
    return ok;
  }

  private onError(error: unknown): void {
    this.failedSinceStart = true;
    this.options.health?.up(false);
    if (this.stopped || !this.synced) return; // start() retries by itself until the first sync
    this.failures++;
    this.options.health?.restart();
    const delay = this.backoffMs();
    this.options.logger.warn('watch failed, restarting', {
      resource: this.options.resource,
      error,
      delayMs: delay,
    });
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    if (await this.attempt()) {
      this.failures = 0;
      this.options.logger.info('watch restarted', { resource: this.options.resource });
    }
  }

  private backoffMs(): number {
    const { backoffInitialMs, backoffMaxMs } = this.options;
    const exp = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(this.failures, 20));
    if (!this.synced) this.failures++;
    return exp / 2 + Math.random() * (exp / 2);
  }

  /** Replays the cache to the handler, and restarts a watch that has been silent too long. */
  private resync(): void {
    if (this.stopped || !this.informer) return;
    const age = Date.now() - this.lastEventAt;
    this.options.health?.lastEventAge(age / 1000);
    if (age > this.options.maxSilenceMs) {
      this.options.logger.info('watch silent, reconnecting', {
        resource: this.options.resource,
        silentMs: age,
      });
      this.options.health?.restart();
      void this.informer.stop().then(() => this.restart());
    }
    for (const object of this.informer.list()) {
      this.options.health?.event('resync');
      this.options.onEvent('resync', object);
    }
  }

  /** Seconds since the last event or (re)list, for the health gauge. */
  lastEventAgeSeconds(): number {
    return (Date.now() - this.lastEventAt) / 1000;
  }
}
