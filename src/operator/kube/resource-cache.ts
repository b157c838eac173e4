// One resource watched in all namespaces or in a configured list of them: an informer per namespace
// (each supervised), read as one cache.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../contracts/logger.ts';
import {
  InformerSupervisor,
  type WatchEventType,
  type WatchHealth,
  type WatchSupervisionOptions,
} from './informer-supervisor.ts';
import type { KubeAccess } from './kube-access.ts';
import { kubeRequest } from './kube-request.ts';
import { ListWatch } from './list-watch.ts';
import { resetSharedConnections } from './shared-connections.ts';
import { Watch } from './watch.ts';
import { watchPath, type WatchedResource } from './watched-resources.ts';

export interface ResourceCacheOptions<T extends KubernetesObject> {
  kubeConfig: KubeAccess;
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
    const scopes = options.namespaces ?? [undefined];
    this.supervisors = scopes.map(
      (namespace) =>
        new InformerSupervisor<T>({
          ...options.watch,
          resource: resource.resource,
          createInformer: () =>
            new ListWatch<T>(
              watchPath(resource, namespace),
              new Watch(kubeConfig),
              () =>
                listInPages<T>(
                  kubeConfig,
                  watchPath(resource, namespace),
                  resource.labelSelector,
                  options.trim,
                ),
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

/**
 * Objects listed per request (#14): a list of 1,000 bots' pods in one response is megabytes of JSON
 * parsed at once, a peak of the operator's resident set; pages are parsed and trimmed one at a time.
 */
export const LIST_PAGE_SIZE = 100;

/**
 * The whole collection, as one list, read in pages (`limit`/`continue`: one consistent snapshot, its
 * resourceVersion the one to watch from), each page trimmed before the next is read.
 */
export async function listInPages<T extends KubernetesObject>(
  kubeConfig: KubeAccess,
  path: string,
  labelSelector: string | undefined,
  trim?: (object: T) => void,
  pageSize = LIST_PAGE_SIZE,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await kubeRequest<KubernetesListObject<T>>(kubeConfig, {
      method: 'GET',
      path,
      query: { labelSelector, limit: pageSize, continue: token },
    });
    for (const item of page.items) {
      trim?.(item);
      items.push(item);
    }
    token = page.metadata?._continue ?? (page.metadata as { continue?: string } | undefined)?.continue;
    if (!token) return { ...page, items };
  }
}
