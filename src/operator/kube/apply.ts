// The one place the operator writes objects: server-side apply with our field manager, forced, so
// the operator owns exactly the fields it renders and anything else (HPA-owned replicas, other
// controllers' fields) is left alone. Identical content is a no-op on the server (no new resourceVersion).
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { InventoryBot, InventoryBotStatus } from '../../api/inventory-bot.ts';
import { FIELD_MANAGER, GROUP, PLURAL, VERSION } from '../../api/names.ts';
import { isNotFound } from '../errors.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
}

/**
 * A resourceVersion no object ever has (etcd revisions stay far below it), sent as a precondition by
 * create(): the API server refuses an apply over an existing object whose resourceVersion differs with
 * 409 Conflict, and creates an absent object (a precondition guards updates only).
 */
export const NO_OBJECT_RESOURCE_VERSION = '9223372036854775807';

export class Applier {
  private readonly objects: KubernetesObjectApi;
  private readonly customObjects: CustomObjectsApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /**
   * Sets a Deployment's replicas through its scale subresource, only to sleep (0) or wake (1) a bot
   * (#15). The applied Deployment leaves replicas out (the HPA's field), so this fights no one.
   */
  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
    await this.apps.patchNamespacedDeploymentScale({
      namespace,
      name,
      body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
      fieldManager: FIELD_MANAGER,
    });
  }

  /** Sets (or with undefined removes) one annotation of a pod: the pod-deletion-cost (#15). */
  async annotatePod(namespace: string, name: string, key: string, value: string | undefined): Promise<void> {
    await this.core.patchNamespacedPod(
      {
        namespace,
        name,
        body: { metadata: { annotations: { [key]: value ?? null } } },
        fieldManager: FIELD_MANAGER,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /**
   * Server-side apply. With `uid`, only onto that very object (a precondition: a missing object is a
   * 409 Conflict, one recreated meanwhile a 422 on metadata.uid; see isUidPreconditionFailure).
   */
  apply<T extends KubernetesObject>(object: T, uid?: string): Promise<T> {
    return this.patch(uid ? { ...object, metadata: { ...object.metadata, uid } } : object);
  }

  /**
   * Creates an object with server-side apply, never writing one that exists (#14: no takeover without
   * a read first): an existing object, whoever's, is left unchanged and the call fails with 409 Conflict.
   */
  create<T extends KubernetesObject>(object: T): Promise<T> {
    return this.patch({
      ...object,
      metadata: { ...object.metadata, resourceVersion: NO_OBJECT_RESOURCE_VERSION },
    });
  }

  private patch<T extends KubernetesObject>(object: T): Promise<T> {
    return this.objects.patch(
      object,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    ) as Promise<T>;
  }

  /** A fresh read of an object; undefined when it does not exist. */
  async read(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await this.objects.read(ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Deletes an object the bot should no longer own; absent already is fine. With `uid`, only that very
   * object (a precondition: one recreated by someone else meanwhile is left alone).
   */
  async delete(ref: ObjectRef, uid?: string): Promise<void> {
    try {
      await this.objects.delete(
        ref,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        uid ? { preconditions: { uid } } : undefined,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Applies the whole status (fields we set before and omit now are removed), on condition that the
   * bot is still at the resourceVersion it was computed from: a competing write makes it a 409.
   */
  applyStatus(bot: InventoryBot, status: InventoryBotStatus): Promise<unknown> {
    const { name, namespace, resourceVersion } = bot.metadata;
    return this.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        name,
        body: {
          apiVersion: bot.apiVersion,
          kind: bot.kind,
          metadata: { name, namespace, resourceVersion },
          status,
        },
        fieldManager: FIELD_MANAGER,
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }
}
