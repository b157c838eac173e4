// The InventoryBot controller: caches fill the work queue with bot keys, workers reconcile them.
import type { KubernetesObject, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { InventoryBot } from '../api/inventory-bot.ts';
import { EVENT_REASONS, KIND, LABELS } from '../api/names.ts';
import { PermanentError } from '../contracts/errors.ts';
import { inventoryBotReader } from './kube/inventory-bot-reader.ts';
import type { QueueStatusSource } from './external-metrics/queue-status-source.ts';
import { Applier } from './kube/apply.ts';
import type { KubeAccess } from './kube/kube-access.ts';
import { kubeRequest, objectPath } from './kube/kube-request.ts';
import { monitoringDiscovery } from './kube/discovery.ts';
import type { EventRecorder } from './kube/event-recorder.ts';
import type { WatchHealth, WatchSupervisionOptions } from './kube/informer-supervisor.ts';
import { botChangeMatters, keepOwnManagedFields, trimPod } from './kube/cache-trim.ts';
import { UnreadBots } from './kube/unread-bots.ts';
import { ResourceCache } from './kube/resource-cache.ts';
import {
  BOTS,
  OWNED_RESOURCES,
  PODS,
  POD_DISRUPTION_BUDGETS,
  type WatchedResource,
} from './kube/watched-resources.ts';
import type { Logger } from '../contracts/logger.ts';
import { RECONCILE_RESULTS } from '../contracts/operator-metric-names.ts';
import type { OperatorMetrics } from './metrics.ts';
import { Reconciler } from './reconciler.ts';
import { rememberingSecretReader } from '../contracts/redaction.ts';
import { bucketRateLimiter, itemExponentialRateLimiter, maxOfRateLimiter } from './rate-limiter.ts';
import { runWorkers, WorkQueue } from './work-queue.ts';

export const CONTROLLER_NAME = 'inventorybot';
export const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;

export interface ControllerOptions {
  kubeConfig: KubeAccess;
  namespaces: string[] | undefined;
  workers: number;
  externalMetrics: boolean;
  resyncPeriodMs: number;
  /** Informer supervision tuning (silence, backoff); defaults when absent. */
  watch?: WatchSupervisionOptions;
  secretRecheckMs: number;
  /** A bot whose apply is refused (invalid object, admission) is retried this much later. */
  permanentErrorRetryMs: number;
  /** Longest backoff of a bot whose reconcile keeps failing transiently. */
  maxRetryDelayMs?: number;
  events: EventRecorder;
  logger: Logger;
  metrics: OperatorMetrics;
  /** status.queue figures; absent: not read. */
  readQueueStatus?: QueueStatusSource;
  queueRefreshMs?: number;
}

export class Controller {
  readonly queue: WorkQueue;
  private readonly options: ControllerOptions;
  private readonly caches: ResourceCache<KubernetesObject>[];
  private readonly bots: ResourceCache<KubernetesObject>;
  private readonly pods: ResourceCache<V1Pod>;
  private readonly pdbs: ResourceCache<KubernetesObject>;
  private readonly reconciler: Reconciler;
  private running: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    this.options = options;
    const { kubeConfig, metrics, logger } = options;
    const queueName = { name: CONTROLLER_NAME };
    this.queue = new WorkQueue({
      // #18: client-go's limiter, with the per-item backoff capped so a bot recovers within
      // maxRetryDelayMs of its cause going away (a 5xx, a webhook down); the overall bucket still
      // bounds the retries of many failing bots together.
      rateLimiter: maxOfRateLimiter(
        itemExponentialRateLimiter(5, options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS),
        bucketRateLimiter(10, 100),
      ),
      hooks: {
        depth: (n) => metrics.workqueueDepth.set(queueName, n),
        add: () => metrics.workqueueAddsTotal.inc(queueName),
        retry: () => metrics.workqueueRetriesTotal.inc(queueName),
        queueDuration: (s) => metrics.workqueueQueueDurationSeconds.observe(queueName, s),
        workDuration: (s) => metrics.workqueueWorkDurationSeconds.observe(queueName, s),
      },
    });
    const cache = <T extends KubernetesObject>(
      resource: WatchedResource,
      toKey: (o: T) => string | undefined,
      trim: (o: T) => void = keepOwnManagedFields,
      matters: (previous: T, next: T) => boolean = () => true,
      onDelete?: (o: T) => void,
    ) =>
      new ResourceCache<T>({
        kubeConfig,
        resource,
        namespaces: options.namespaces,
        trim,
        onEvent: (type, object, previous) => {
          if (type === 'delete') onDelete?.(object);
          if (type === 'update' && previous && !matters(previous, object)) return;
          const key = toKey(object);
          if (key) this.queue.add(key);
        },
        logger,
        health: this.watchHealth(resource.resource),
        resyncPeriodMs: options.resyncPeriodMs,
        watch: options.watch,
      });
    // #14: the bot's own status writes (status-only updates) do not wake it again; a generation the
    // watch delivered is handed to its reconcile instead of a GET (unread-bots.ts).
    const unread = new UnreadBots();
    const bots = cache(BOTS, keyOf, unread.trim, botChangeMatters, (bot) => unread.forget(bot));
    this.pods = cache<V1Pod>(
      PODS,
      (pod) => withNamespace(pod, pod.metadata?.labels?.[LABELS.instance]),
      trimPod,
    );
    const owned = new Map(OWNED_RESOURCES.filter((r) => r !== PODS).map((r) => [r, cache(r, ownerKey)]));
    const ownedByKind = new Map([...owned].map(([r, c]) => [`${r.apiVersion}/${r.kind}`, c]));
    this.pdbs = owned.get(POD_DISRUPTION_BUDGETS) as ResourceCache<KubernetesObject>;
    this.bots = bots;
    this.caches = [bots, this.pods as ResourceCache<KubernetesObject>, ...owned.values()];

    const readFresh = inventoryBotReader(kubeConfig);
    this.reconciler = new Reconciler({
      applier: new Applier(kubeConfig),
      readBot: (namespace, name) => {
        const delivered = unread.take(this.bots.get(name, namespace));
        return delivered ? Promise.resolve(delivered) : readFresh(namespace, name);
      },
      readSecret: rememberingSecretReader((namespace, name) =>
        kubeRequest<V1Secret>(kubeConfig, {
          method: 'GET',
          path: objectPath('v1', 'Secret', namespace, name),
        }),
      ),
      listPods: (namespace, botName) =>
        this.pods.list(namespace).filter((pod) => pod.metadata?.labels?.[LABELS.instance] === botName),
      hasPodDisruptionBudget: (namespace, name) => this.pdbs.get(name, namespace) !== undefined,
      monitoringKinds: monitoringDiscovery(kubeConfig),
      cacheOf: (apiVersion, kind) => {
        const cache = ownedByKind.get(`${apiVersion}/${kind}`);
        return cache && ((namespace, name) => cache.get(name, namespace));
      },
      onApply: (kind, skipped) => (skipped ? metrics.applySkippedTotal : metrics.appliesTotal).inc({ kind }),
      events: options.events,
      externalMetrics: options.externalMetrics,
      secretRecheckMs: options.secretRecheckMs,
      readQueueStatus: options.readQueueStatus,
      queueRefreshMs: options.queueRefreshMs,
      logger,
    });
  }

  /** Fills the caches, then reconciles until stop(). Resolves once the caches are synced. */
  async start(): Promise<void> {
    const { logger, metrics, workers } = this.options;
    await Promise.all(this.caches.map((c) => c.start()));
    logger.info('caches synced, starting workers', { workers });
    metrics.maxConcurrentReconciles.set({ controller: CONTROLLER_NAME }, workers);
    this.running = runWorkers(this.queue, workers, (key) => this.process(key));
  }

  isSynced(): boolean {
    return this.caches.every((c) => c.isSynced());
  }

  /** Sets the watch age gauges; called before each scrape. */
  refreshWatchMetrics(): void {
    const all = [BOTS, PODS, ...OWNED_RESOURCES.filter((r) => r !== PODS)];
    this.caches.forEach((c, i) => {
      const resource = all[i]?.resource ?? 'unknown';
      this.options.metrics.watchLastEventAgeSeconds.set({ resource }, c.lastEventAgeSeconds());
    });
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.caches.map((c) => c.stop()));
    await this.running;
  }

  private async process(key: string) {
    const { metrics, logger } = this.options;
    const labels = { controller: CONTROLLER_NAME };
    const end = metrics.reconcileTimeSeconds.startTimer(labels);
    metrics.activeWorkers.inc(labels);
    try {
      const result = await this.reconciler.reconcile(key, this.queue.numRequeues(key));
      const outcome =
        result?.requeueAfterMs !== undefined ? RECONCILE_RESULTS.requeueAfter : RECONCILE_RESULTS.success;
      metrics.reconcileTotal.inc({ ...labels, result: outcome });
      return result;
    } catch (error) {
      metrics.reconcileTotal.inc({ ...labels, result: RECONCILE_RESULTS.error });
      metrics.reconcileErrorsTotal.inc(labels);
      const retries = this.queue.numRequeues(key);
      if (error instanceof PermanentError) {
        logger.error('reconcile failed permanently', { bot: key, error });
        await this.recordFailure(key, error);
        return { requeueAfterMs: this.options.permanentErrorRetryMs };
      }
      logger.warn('reconcile failed, retrying with backoff', { bot: key, error, retries });
      throw error;
    } finally {
      metrics.activeWorkers.dec(labels);
      end();
    }
  }

  private async recordFailure(key: string, error: Error): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const bot = this.bots.get(name, namespace) as InventoryBot | undefined;
    if (bot) await this.options.events.record(bot, 'Warning', EVENT_REASONS.reconcileFailed, error.message);
  }

  private watchHealth(resource: string): WatchHealth {
    const { metrics } = this.options;
    return {
      restart: () => metrics.watchRestartsTotal.inc({ resource }),
      up: (isUp) => metrics.watchUp.set({ resource }, isUp ? 1 : 0),
      event: (type) => {
        metrics.watchEventsTotal.inc({ resource, type });
        if (type !== 'resync') metrics.watchLastEventAgeSeconds.set({ resource }, 0);
      },
      lastEventAge: (seconds) => metrics.watchLastEventAgeSeconds.set({ resource }, seconds),
    };
  }
}

function withNamespace(object: KubernetesObject, name: string | undefined): string | undefined {
  return name && object.metadata?.namespace ? `${object.metadata.namespace}/${name}` : undefined;
}

const keyOf = (object: KubernetesObject) => withNamespace(object, object.metadata?.name);

/**
 * The bot of an owned object: its controller owner reference, else its instance label, so an object
 * whose owner reference was removed by hand still wakes its bot, which restores it (#18). (An object
 * whose label was removed leaves the label-selected watch: that deletion event still carries the
 * owner reference.)
 */
function ownerKey(object: KubernetesObject): string | undefined {
  const owner = object.metadata?.ownerReferences?.find((ref) => ref.controller && ref.kind === KIND);
  return withNamespace(object, owner?.name ?? object.metadata?.labels?.[LABELS.instance]);
}
