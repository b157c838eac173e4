// Level-based reconcile of one InventoryBot: read it, render the desired objects, apply them, remove
// optional objects it should no longer own, write the status if it changed, record transitions.
import type { KubernetesObject, V1Pod, V1Secret } from '@kubernetes/client-node';
import { ZodError } from 'zod';
import { parseSpec, type InventoryBot, type InventoryBotStatus } from '../api/inventory-bot.ts';
import { CONDITION_TYPES, EVENT_REASONS, FIELD_MANAGER, LABELS, REASONS } from '../api/names.ts';
import { issueLine } from '../api/rules.ts';
import { applyReason, mustReplace } from './apply-decision.ts';
import { findCondition } from './conditions.ts';
import { desiredObjects, type DesiredObjects } from './desired/desired-objects.ts';
import { MONITORING_API_VERSION } from './desired/monitoring-object.ts';
import { workloadName } from './desired/object-names.ts';
import {
  apiMessage,
  classifyApiError,
  isConflict,
  isNotFound,
  isUidPreconditionFailure,
  ObjectNotOwnedError,
} from './errors.ts';
import { PermanentError, TransientError } from '../contracts/errors.ts';
import type { Applier } from './kube/apply.ts';
import type { MonitoringKinds } from './kube/discovery.ts';
import type { QueueStatusSource } from './external-metrics/queue-status-source.ts';
import type { EventRecorder } from './kube/event-recorder.ts';
import type { Logger } from '../contracts/logger.ts';
import { findSecretProblems, secretReferences } from './secret-references.ts';
import { ownershipOf } from './ownership.ts';
import { specProblems } from './spec-problems.ts';
import { redact } from '../contracts/redaction.ts';
import { computeStatus, degradedStatus, statusChanged, type Observations } from './status.ts';
import { replicaHold } from './scaling/replica-hold.ts';
import { DELETION_COST_ANNOTATION, deletionCostChanges } from './scaling/deletion-cost.ts';
import type { WorkerPresence } from '../contracts/worker-presence.ts';
import { sleepState, WAKE_POLL_MS, type SleepState } from './scaling/idle-sleep.ts';
import { scalingHeldEvent } from './scaling/scaling-events.ts';
import type { ProcessResult } from './work-queue.ts';
import { autoscalerProblems, podProblems, type Problem } from './workload-problems.ts';

export interface ReconcilerDeps {
  applier: Applier;
  /**
   * The bot: as the watch last delivered it while that generation is unread, else a fresh read
   * (unread-bots.ts, #14). The status is written with its resourceVersion as precondition.
   */
  readBot(namespace: string, name: string): Promise<InventoryBot>;
  readSecret(namespace: string, name: string): Promise<V1Secret>;
  /** Cached worker pods of a bot. */
  listPods(namespace: string, botName: string): ReadonlyArray<V1Pod>;
  /** Whether the cache holds the bot's PodDisruptionBudget. */
  hasPodDisruptionBudget(namespace: string, name: string): boolean;
  monitoringKinds(): Promise<MonitoringKinds>;
  /**
   * The synced informer cache of an owned kind (undefined: a kind not cached). An object the cache
   * lacks is created without a read first; one whose cached copy already holds everything the apply
   * would write is not applied again.
   */
  cacheOf?(apiVersion: string, kind: string): CachedObjects | undefined;
  /** How long an applied ServiceMonitor/PrometheusRule (not cached) is trusted unchanged; 10 min by default. */
  uncachedReapplyMs?: number;
  /** Told about every desired object: applied, or skipped because the apply would change nothing. */
  onApply?(kind: string, skipped: boolean): void;
  events: EventRecorder;
  externalMetrics: boolean;
  /** Recheck interval while a referenced Secret is missing (Secrets are not watched). */
  secretRecheckMs: number;
  /** Best-effort, bounded read of the bot's queue figures (status.queue); absent: not read. */
  readQueueStatus?: QueueStatusSource;
  /** Reconcile again this much later while the queue answers, so status.queue stays fresh. */
  queueRefreshMs?: number;
  logger: Logger;
  now?: () => Date;
}

/** Lookup in an informer cache: the cached copy of an object, or undefined when the cache lacks it. */
export type CachedObjects = (namespace: string, name: string) => KubernetesObject | undefined;

/** Failed attempts in a row (a few ms of backoff) before a transient failure is reported on the bot (#18). */
export const FAILURES_BEFORE_REPORT = 3;

/** Queue recheck while replicas are held (#15): a third of the refresh period (10 s by default). */
const heldRecheckMs = (refreshMs: number) => Math.max(1000, Math.round(refreshMs / 3));

/** Status messages pass the one redaction point (#14). */
const redactProblems = (problems: Problem[]): Problem[] =>
  problems.map((p) => ({ ...p, message: redact(p.message) }));

export class Reconciler {
  private readonly deps: ReconcilerDeps;
  /** Last applied content of uncached objects, by kind/namespace/name. */
  private readonly uncachedApplied = new Map<string, { content: string; at: number }>();

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  /**
   * `failures`: how many times in a row this bot's reconcile has failed already (the work queue's
   * requeue count). A transient failure that persists is written to the bot's status (#18).
   */
  async reconcile(key: string, failures = 0): Promise<ProcessResult> {
    const [namespace, name] = key.split('/') as [string, string];
    let bot: InventoryBot;
    try {
      bot = await this.deps.readBot(namespace, name);
    } catch (error) {
      if (isNotFound(error)) {
        // Deleted: garbage collection removes what it owned; forget what we applied for it.
        for (const key of this.uncachedApplied.keys()) {
          if (key.endsWith(`/${namespace}/${name}`)) this.uncachedApplied.delete(key);
        }
        return;
      }
      throw classifyApiError(error, `read InventoryBot ${key}`);
    }
    if (bot.metadata.deletionTimestamp) return;

    let spec;
    try {
      spec = parseSpec(bot.spec);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      const message = `invalid spec: ${error.issues.map((i) => issueLine(`spec.${i.path.join('.')}`, i.message)).join('; ')}`;
      await this.writeStatus(bot, [{ reason: REASONS.invalidSpec, message }]);
      return;
    }
    bot = { ...bot, spec };

    const secretProblems = await this.call(`check Secrets of ${key}`, () =>
      findSecretProblems(namespace, secretReferences(spec), this.deps.readSecret),
    );
    const kinds = await this.call('discover monitoring kinds', () => this.deps.monitoringKinds());
    // Read before rendering: an unreadable queue or paused intake holds the autoscaler's floor (#15).
    // A sleeping bot's queue is read fresh: the first batch wakes it within seconds.
    const asleep = bot.status?.autoscaling?.asleep === true;
    const observed = await this.deps.readQueueStatus?.(bot, asleep ? WAKE_POLL_MS / 2 : undefined);
    const hold =
      observed && !asleep
        ? replicaHold({
            scaling: spec.scaling,
            previous: bot.status,
            ...(observed.error !== undefined ? { queueError: redact(observed.error) } : {}),
            ...(observed.workers ? { workers: observed.workers } : {}),
          })
        : undefined;
    const desired = desiredObjects(bot, {
      externalMetrics: this.deps.externalMetrics,
      monitoringKinds: kinds,
      ...(hold ? { heldReplicas: hold.replicas } : {}),
    });

    let applied;
    try {
      applied = await this.applyAll(bot, desired, kinds);
    } catch (error) {
      // #14: an object that is not the bot's blocks the bot until it is gone; it is not watched
      // (not ours), so look again periodically.
      if (error instanceof ObjectNotOwnedError) {
        await this.writeFailure(bot, [{ reason: error.code, message: error.message }, ...secretProblems]);
        return { requeueAfterMs: this.deps.secretRecheckMs };
      }
      // #18: a refused apply at once, a transient failure once retries did not cure it (a conflict
      // is the normal race of optimistic concurrency, never reported).
      const report =
        error instanceof PermanentError ||
        (error instanceof TransientError && failures >= FAILURES_BEFORE_REPORT && !isConflict(error.cause));
      if (report) {
        await this.writeFailure(bot, [
          { reason: REASONS.applyFailed, message: (error as Error).message },
          ...secretProblems,
        ]).catch((statusError: unknown) =>
          this.deps.logger.warn('could not report the failure on the bot', { bot: key, error: statusError }),
        );
      }
      throw error;
    }
    const { deployment, hpa } = applied;
    const sleep = observed
      ? sleepState({
          scaling: spec.scaling,
          previous: bot.status?.autoscaling,
          outstanding: observed.status?.outstanding,
          nowMs: (this.deps.now?.() ?? new Date()).getTime(),
        })
      : undefined;
    if (sleep) await this.sleepOrWake(bot, deployment, sleep);
    if (observed?.workers) await this.keepDeletionCosts(bot, observed.workers);

    const problems: Problem[] = [
      ...secretProblems,
      ...specProblems(spec, { externalMetrics: this.deps.externalMetrics }),
      ...podProblems(this.deps.listPods(namespace, name)),
      ...autoscalerProblems(hpa),
    ];
    await this.writeStatus(bot, problems, deployment, hpa, observed?.status, {
      scaling: spec.scaling,
      shards: spec.queue.shards,
      queueMetric: this.deps.externalMetrics && spec.scaling.queueLagPerReplica > 0,
      ...(observed ? { hold } : {}),
      ...(sleep ? { sleep } : {}),
    });
    const refresh = this.deps.queueRefreshMs;
    const requeues = [
      ...(secretProblems.length ? [this.deps.secretRecheckMs] : []),
      // While held, look again sooner: the hold ends as soon as the queue reads again (#15).
      ...(observed && refresh ? [hold ? heldRecheckMs(refresh) : refresh] : []),
      ...(sleep?.recheckMs ? [sleep.recheckMs] : []),
    ];
    return requeues.length ? { requeueAfterMs: Math.min(...requeues) } : undefined;
  }

  /**
   * Scale to zero and back (#15): a sleeping bot's Deployment is kept at 0; waking sets it to 1 and
   * leaves the rest to the HPA. Events say why.
   */
  private async sleepOrWake(
    bot: InventoryBot,
    deployment: KubernetesObject & { spec?: { replicas?: number } },
    sleep: SleepState,
  ): Promise<void> {
    const { namespace, name } = bot.metadata;
    const replicas = deployment.spec?.replicas;
    const target = sleep.asleep ? 0 : sleep.transition === 'wake' && replicas === 0 ? 1 : undefined;
    if (target !== undefined && replicas !== target) {
      await this.call(`scale Deployment ${namespace}/${name} to ${target}`, () =>
        this.deps.applier.scaleDeployment(namespace, workloadName(name), target),
      );
    }
    if (sleep.transition) {
      const reason = sleep.transition === 'sleep' ? EVENT_REASONS.scaledToZero : EVENT_REASONS.wokeUp;
      await this.deps.events.record(bot, 'Normal', reason, sleep.message ?? reason);
      this.deps.logger.info(`bot_${sleep.transition}`, {
        bot: `${namespace}/${name}`,
        reason: sleep.message,
      });
    }
  }

  /** Idle workers go first on scale-in (#15). A pod gone meanwhile is no failure. */
  private async keepDeletionCosts(bot: InventoryBot, workers: WorkerPresence[]): Promise<void> {
    const { namespace, name } = bot.metadata;
    const pods = this.deps.listPods(namespace, name);
    for (const change of deletionCostChanges(pods, workers, bot.spec.scaling.scaleInOrder)) {
      try {
        await this.deps.applier.annotatePod(namespace, change.pod, DELETION_COST_ANNOTATION, change.cost);
      } catch (error) {
        if (!isNotFound(error)) throw classifyApiError(error, `annotate Pod ${namespace}/${change.pod}`);
      }
    }
  }

  private async applyAll(bot: InventoryBot, desired: DesiredObjects, kinds: MonitoringKinds) {
    const { namespace, name } = bot.metadata;
    // ConfigMap before the Deployment, so a rollout never starts pods with a config that is not there yet.
    await this.apply(bot, desired.configMap);
    await this.apply(bot, desired.service);
    const deployment = await this.apply(bot, desired.deployment);
    const hpa = await this.apply(bot, desired.horizontalPodAutoscaler);
    if (desired.podDisruptionBudget) await this.apply(bot, desired.podDisruptionBudget);
    else if (this.deps.hasPodDisruptionBudget(namespace, workloadName(name))) {
      await this.remove(bot, 'policy/v1', 'PodDisruptionBudget', namespace, workloadName(name));
    }
    for (const [kind, object] of [
      ['ServiceMonitor', desired.serviceMonitor],
      ['PrometheusRule', desired.prometheusRule],
    ] as const) {
      const served = kind === 'ServiceMonitor' ? kinds.serviceMonitor : kinds.prometheusRule;
      if (object) await this.applyUncached(bot, object);
      else if (served) await this.remove(bot, MONITORING_API_VERSION, kind, namespace, workloadName(name));
    }
    return { deployment, hpa };
  }

  /** Degraded with `problems`, everything else as last observed (#18). */
  private async writeFailure(bot: InventoryBot, problems: Problem[]): Promise<void> {
    const status = degradedStatus(
      bot.status,
      redactProblems(problems),
      bot.metadata.generation ?? 0,
      this.deps.now?.() ?? new Date(),
    );
    await this.writeIfChanged(bot, status);
  }

  private async writeStatus(
    bot: InventoryBot,
    problems: Problem[],
    deployment?: Parameters<typeof computeStatus>[0]['deployment'],
    hpa?: Parameters<typeof computeStatus>[0]['horizontalPodAutoscaler'],
    queue?: InventoryBotStatus['queue'],
    autoscaling?: Observations['autoscaling'],
  ): Promise<void> {
    const status = computeStatus({
      generation: bot.metadata.generation ?? 0,
      previous: bot.status,
      deployment,
      horizontalPodAutoscaler: hpa,
      problems: redactProblems(problems),
      queue,
      ...(autoscaling ? { autoscaling } : {}),
      now: this.deps.now?.() ?? new Date(),
    });
    await this.writeIfChanged(bot, status);
  }

  private async writeIfChanged(bot: InventoryBot, status: InventoryBotStatus): Promise<void> {
    if (!statusChanged(bot.status, status)) return;
    await this.call(`write status of ${bot.metadata.namespace}/${bot.metadata.name}`, () =>
      this.deps.applier.applyStatus(bot, status),
    );
    await this.recordTransitions(bot, bot.status, status);
  }

  private async recordTransitions(
    bot: InventoryBot,
    before: InventoryBotStatus | undefined,
    after: InventoryBotStatus,
  ): Promise<void> {
    const { events, logger } = this.deps;
    const was = (type: string) => findCondition(before?.conditions, type);
    const is = (type: string) => findCondition(after.conditions, type);
    const ready = is(CONDITION_TYPES.ready);
    const degraded = is(CONDITION_TYPES.degraded);
    if (ready?.status === 'True' && was(CONDITION_TYPES.ready)?.status !== 'True') {
      await events.record(bot, 'Normal', EVENT_REASONS.becameReady, ready.message);
    } else if (ready?.status === 'False' && was(CONDITION_TYPES.ready)?.status === 'True') {
      await events.record(bot, 'Warning', EVENT_REASONS.becameNotReady, ready.message);
    }
    const wasDegraded = was(CONDITION_TYPES.degraded);
    if (
      degraded?.status === 'True' &&
      (wasDegraded?.status !== 'True' || wasDegraded.reason !== degraded.reason)
    ) {
      await events.record(bot, 'Warning', degraded.reason, degraded.message);
    } else if (degraded?.status === 'False' && wasDegraded?.status === 'True') {
      await events.record(
        bot,
        'Normal',
        EVENT_REASONS.recovered,
        `no longer degraded (was ${wasDegraded.reason})`,
      );
    }
    const scalingEvent = scalingHeldEvent(before, after);
    if (scalingEvent) await events.record(bot, scalingEvent.type, scalingEvent.reason, scalingEvent.message);
    logger.info('status updated', {
      bot: `${bot.metadata.namespace}/${bot.metadata.name}`,
      ready: ready?.reason,
      degraded: degraded?.reason,
      observedGeneration: after.observedGeneration,
    });
  }

  /**
   * Applies an object, unless its cached copy shows the apply would change nothing (then returns that).
   * Never an object that exists and is not the bot's (#14). The caches hold only labelled objects and
   * are synced before the first reconcile, so an object a cache lacks is (almost always) absent: it
   * is created with a precondition that refuses any existing object (#14: no read per object, which
   * made a cold start of 1,000 bots 2.8x slower than raw applies). Refused, the object exists
   * outside the cache (someone else's, ours with its label removed, or ours not seen yet): it is read
   * and judged. A cached object is applied only onto that very object (uid precondition), so a cache
   * that missed a delete and a re-create by someone else never leads to a takeover either.
   */
  private async apply<T extends KubernetesObject>(bot: InventoryBot, object: T): Promise<T> {
    const { apiVersion = '', kind = '', metadata } = object;
    const [namespace, name] = [metadata?.namespace ?? '', metadata?.name ?? ''];
    const what = `${kind} ${namespace}/${name}`;
    const ref = { apiVersion, kind, metadata: { namespace, name } };
    const cache = this.deps.cacheOf?.(apiVersion, kind);
    const live = cache?.(namespace, name);
    if (cache && !live) {
      const created = await this.createUnlessExists(what, object);
      if (created) {
        this.deps.onApply?.(kind, false);
        return created;
      }
    }
    const existing = live ?? (await this.call(`read ${what}`, () => this.deps.applier.read(ref)));
    if (existing) {
      const ownership = ownershipOf(existing, bot, FIELD_MANAGER);
      if (!ownership.owned) throw new ObjectNotOwnedError(what, ownership.why);
    }
    if (existing && mustReplace(object, existing)) {
      await this.call(`replace ${what}`, () => this.deps.applier.delete(ref, existing.metadata?.uid));
      return this.call(`create ${what}`, () => this.deps.applier.create(object));
    }
    // #14: an object read rather than cached (a kind not cached, or one the cache has not seen yet) is
    // compared just the same: a resync that finds it unchanged writes nothing.
    const reason = applyReason(object, existing, FIELD_MANAGER);
    this.deps.onApply?.(kind, reason === undefined);
    if (reason === undefined) return existing as T;
    this.deps.logger.debug('applying', { object: what, reason });
    const uid = existing?.metadata?.uid;
    try {
      return await this.deps.applier.apply(object, uid);
    } catch (error) {
      // The object under this name is no longer the one judged above (deleted, or re-created by
      // someone): retried, and judged again once the cache has seen it.
      if (uid && isUidPreconditionFailure(error)) {
        throw new TransientError('ObjectReplaced', `apply ${what}: ${apiMessage(error)}`, { cause: error });
      }
      throw classifyError(error, `apply ${what}`);
    }
  }

  /** Creates an object absent from the cache; undefined when it exists after all (nothing written). */
  private async createUnlessExists<T extends KubernetesObject>(
    what: string,
    object: T,
  ): Promise<T | undefined> {
    try {
      return await this.deps.applier.create(object);
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw classifyError(error, `create ${what}`);
    }
  }

  /**
   * Applies an object of a kind the operator does not cache (ServiceMonitor, PrometheusRule), unless
   * this very content was applied less than `uncachedReapplyMs` ago (#14: the status.queue refresh
   * every 30 s re-applied both for every bot). After that it is read and compared, and applied only
   * when it differs (#14: the periodic resync re-applied both for every bot): drift by hand is
   * repaired within that period.
   */
  private async applyUncached<T extends KubernetesObject>(bot: InventoryBot, object: T): Promise<void> {
    const key = `${object.kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
    const content = JSON.stringify(object);
    const now = Date.now();
    const last = this.uncachedApplied.get(key);
    if (last && last.content === content && now - last.at < (this.deps.uncachedReapplyMs ?? 600_000)) {
      this.deps.onApply?.(object.kind ?? '', true);
      return;
    }
    await this.apply(bot, object);
    this.uncachedApplied.set(key, { content, at: now });
  }

  /** Deletes an object the bot no longer wants, only if it is the bot's (#14), and only that very object. */
  private async remove(
    bot: InventoryBot,
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<void> {
    const ref = { apiVersion, kind, metadata: { name, namespace } };
    const existing = await this.call(`read ${kind} ${namespace}/${name}`, () => this.deps.applier.read(ref));
    if (!existing || !ownershipOf(existing, bot, FIELD_MANAGER).owned) return;
    await this.call(`delete ${kind} ${namespace}/${name}`, () =>
      this.deps.applier.delete(ref, existing.metadata?.uid),
    );
  }

  /** Runs an API call, turning its failure into a typed error. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classifyError(error, what);
    }
  }
}

const classifyError = (error: unknown, what: string) =>
  error instanceof PermanentError ? error : classifyApiError(error, what);

/** Pods of a bot are found by its instance label (their owner is a ReplicaSet, not the bot). */
export const botOfPod = (pod: V1Pod): string | undefined => pod.metadata?.labels?.[LABELS.instance];
