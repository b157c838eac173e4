// client-node's ListWatch (cache.js, 2.0.1), ported as is (#14: memory). Its module imports
// client-node's ObjectSerializer, and with it all ~760 generated model classes (~10 MiB of the
// operator's resident set), only to pass the label selector string through unchanged. This is the same
// list-then-watch loop over client-node's Watch (ported too: watch.ts): list when there is no
// resourceVersion, watch from it, re-list after 410 Gone, re-watch (with a growing delay) when a watch
// ends, report any other error and stop (the InformerSupervisor restarts it).
import type { Informer, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Watch } from './watch.ts';

type Verb = 'add' | 'update' | 'delete' | 'error' | 'connect';
type Callback<T> = (object: T) => void;
type ErrorCallback = (error?: unknown) => void;

const BASE_RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 30_000;

const namespaceOf = (object: KubernetesObject) => object.metadata?.namespace ?? '';
const nameOf = (object: KubernetesObject) => object.metadata?.name ?? '';

export class ListWatch<T extends KubernetesObject> implements Informer<T>, ObjectCache<T> {
  /** namespace → name → object. */
  private objects = new Map<string, Map<string, T>>();
  private readonly callbacks: Record<Verb, ((arg?: never) => void)[]> = {
    add: [],
    update: [],
    delete: [],
    error: [],
    connect: [],
  };
  private resourceVersion = '';
  private stopped = false;
  private hasConnected = false;
  private reconnectDelayMs = 0;
  private request: { abort(): void } | undefined;

  private readonly path: string;
  private readonly watch: Watch;
  private readonly listFn: () => Promise<KubernetesListObject<T>>;
  private readonly labelSelector: string | undefined;

  constructor(
    path: string,
    watch: Watch,
    listFn: () => Promise<KubernetesListObject<T>>,
    labelSelector?: string,
  ) {
    this.path = path;
    this.watch = watch;
    this.listFn = listFn;
    this.labelSelector = labelSelector;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.reconnectDelayMs = 0;
    this.hasConnected = false;
    await this.doneHandler(null);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abortRequest();
  }

  on(verb: 'add' | 'update' | 'delete' | 'change', callback: Callback<T>): void;
  on(verb: 'error' | 'connect', callback: ErrorCallback): void;
  on(verb: string, callback: Callback<T> | ErrorCallback): void {
    for (const list of this.callbackLists(verb)) list.push(callback as (arg?: never) => void);
  }

  off(verb: 'add' | 'update' | 'delete' | 'change', callback: Callback<T>): void;
  off(verb: 'error' | 'connect', callback: ErrorCallback): void;
  off(verb: string, callback: Callback<T> | ErrorCallback): void {
    for (const list of this.callbackLists(verb)) {
      const index = list.indexOf(callback as (arg?: never) => void);
      if (index !== -1) list.splice(index, 1);
    }
  }

  /** The callback lists a verb names ('change' names add, update and delete), as client-node's informer. */
  private callbackLists(verb: string): ((arg?: never) => void)[][] {
    const verbs = verb === 'change' ? (['add', 'update', 'delete'] as const) : [verb as Verb];
    return verbs.map((v) => {
      const list = this.callbacks[v];
      if (!list) throw new Error(`Unknown verb: ${verb}`);
      return list;
    });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): T[] {
    if (!namespace) return [...this.objects.values()].flatMap((objects) => [...objects.values()]);
    return [...(this.objects.get(namespace)?.values() ?? [])];
  }

  latestResourceVersion(): string {
    return this.resourceVersion;
  }

  private emit(verb: Verb, arg?: unknown): void {
    for (const callback of this.callbacks[verb].slice()) (callback as (arg?: unknown) => void)(arg);
  }

  private abortRequest(): void {
    this.request?.abort();
    this.request = undefined;
  }

  private async doneHandler(error: unknown): Promise<void> {
    this.abortRequest();
    const failure = error as { statusCode?: number; code?: number; name?: string } | null | undefined;
    if (failure && (failure.statusCode === 410 || failure.code === 410)) {
      this.resourceVersion = '';
    } else if (failure && failure.name === 'TimeoutError') {
      this.reconnectDelayMs = 0;
    } else if (failure) {
      this.emit('error', failure);
      return;
    }
    if (this.stopped) return;
    this.emit('connect');
    if (!this.resourceVersion) {
      let list: KubernetesListObject<T>;
      try {
        list = await this.listFn();
      } catch (listError) {
        this.emit('error', listError);
        return;
      }
      this.replaceAll(list.items ?? []);
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
    }
    const query: Record<string, string> = { resourceVersion: this.resourceVersion };
    if (this.labelSelector !== undefined) query.labelSelector = this.labelSelector;
    if (this.reconnectDelayMs > 0 && this.hasConnected) {
      await new Promise((resolve) => setTimeout(resolve, this.reconnectDelayMs));
    }
    if (this.hasConnected) {
      this.reconnectDelayMs = Math.min(
        this.reconnectDelayMs > 0 ? this.reconnectDelayMs * 2 : BASE_RECONNECT_DELAY_MS,
        MAX_RECONNECT_DELAY_MS,
      );
    }
    this.hasConnected = true;
    this.request = await this.watch.watch(
      this.path,
      query,
      (phase: string, object: T) => this.watchHandler(phase, object),
      (doneError: unknown) => void this.doneHandler(doneError),
    );
  }

  /** A fresh list: objects gone from it are deleted, the others added or updated. */
  private replaceAll(items: T[]): void {
    const listed = new Set(items.map((object) => `${namespaceOf(object)}/${nameOf(object)}`));
    for (const [namespace, objects] of this.objects) {
      for (const [name, object] of objects) {
        if (listed.has(`${namespace}/${name}`)) continue;
        objects.delete(name);
        this.emit('delete', object);
      }
      if (objects.size === 0) this.objects.delete(namespace);
    }
    for (const object of items) this.addOrUpdate(object);
  }

  private watchHandler(phase: string, object: T): void {
    switch (phase) {
      case 'ERROR':
        if ((object as { code?: number }).code === 410) this.resourceVersion = '';
        // The watch ends after an error: doneHandler decides what next.
        return;
      case 'ADDED':
      case 'MODIFIED':
        this.addOrUpdate(object);
        break;
      case 'DELETED':
        this.delete(object);
        break;
    }
    this.reconnectDelayMs = 0;
    this.resourceVersion = object.metadata?.resourceVersion ?? '';
  }

  private addOrUpdate(object: T): void {
    const namespace = namespaceOf(object);
    let objects = this.objects.get(namespace);
    if (!objects) this.objects.set(namespace, (objects = new Map()));
    const found = objects.get(nameOf(object));
    if (!found) {
      objects.set(nameOf(object), object);
      this.emit('add', object);
    } else if (
      found.metadata?.resourceVersion === undefined ||
      found.metadata.resourceVersion !== object.metadata?.resourceVersion
    ) {
      objects.set(nameOf(object), object);
      this.emit('update', object);
    }
  }

  private delete(object: T): void {
    const objects = this.objects.get(namespaceOf(object));
    if (!objects?.delete(nameOf(object))) return;
    this.emit('delete', object);
    if (objects.size === 0) this.objects.delete(namespaceOf(object));
  }
}
