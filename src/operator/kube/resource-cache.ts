// One resource watched in all namespaces or in a configured list of them: an informer per namespace
// (each supervised), read as one cache.
import {
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../contracts/logger.ts';
import {
  InformerSupervisor,
  type WatchEventType,
  type WatchHealth,
  type WatchSupervisionOptions,
} from './informer-supervisor.ts';
import { resetSharedConnections } from './shared-connections.ts';
import { watchPath, type WatchedResource } from './watched-resources.ts';

export interface ResourceCacheOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  resource: WatchedResource;
  /** undefined: all namespaces. */
  namespaces: string[] | undefined;
  onEvent: (type: WatchEventType, object: T, previous?: T) => void;
  /** Trims an object in place before it is cached (see InformerSupervisorOptions.trim). */
  trim?: (object: T) => void;
  logger: Logger;
  health: WatchHealth;
  resyncPeriodMs: number;
  /** Silence and backoff tuning; defaults when absent. */
  watch?: WatchSupervisionOptions;
}

export class ResourceCache<T extends KubernetesObject> {
  private readonly supervisors: InformerSupervisor<T>[];

  constructor(options: ResourceCacheOptions<T>) {
    const { kubeConfig, resource, logger } = options;
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const scopes = options.namespaces ?? [undefined];
    this.supervisors = scopes.map(
      (namespace) =>
        new InformerSupervisor<T>({
          ...options.watch,
          resource: resource.resource,
          createInformer: () =>
            makeInformer<T>(
              kubeConfig,
              watchPath(resource, namespace),
              () =>
                objects.list(
                  resource.apiVersion,
                  resource.kind,
                  namespace,
                  undefined,
                  undefined,
                  undefined,
                  undefined,
                  resource.labelSelector,
                ) as Promise<KubernetesListObject<T>>,
              resource.labelSelector,
            ),
          onEvent: options.onEvent,
          trim: options.trim,
          logger: logger.child({ resource: resource.resource, namespace: namespace ?? '*' }),
          health: options.health,
          resyncPeriodMs: options.resyncPeriodMs,
          // #14: the shared connection pool may hold dead connections: the re-list opens fresh ones.
          onSilence: () => resetSharedConnections(kubeConfig),
        }),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.stop()));
  }

  isSynced(): boolean {
    return this.supervisors.every((s) => s.isSynced());
  }

  get(name: string, namespace: string): T | undefined {
    for (const supervisor of this.supervisors) {
      const found = supervisor.get(name, namespace);
      if (found) return found;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.supervisors.flatMap((s) => [...s.list(namespace)]);
  }

  lastEventAgeSeconds(): number {
    return Math.min(...this.supervisors.map((s) => s.lastEventAgeSeconds()));
  }
}
