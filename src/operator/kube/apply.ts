// The one place the operator writes objects: server-side apply with our field manager, forced, so
// the operator owns exactly the fields it renders and anything else (HPA-owned replicas, other
// controllers' fields) is left alone. Identical content is a no-op on the server (no new resourceVersion).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InventoryBot, InventoryBotStatus } from '../../api/inventory-bot.ts';
import { FIELD_MANAGER } from '../../api/names.ts';
import { isNotFound } from '../errors.ts';
import type { KubeAccess } from './kube-access.ts';
import { CONTENT_TYPES, kubeRequest, objectPath } from './kube-request.ts';

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
  private readonly kubeConfig: KubeAccess;

  constructor(kubeConfig: KubeAccess) {
    this.kubeConfig = kubeConfig;
  }

  /**
   * Sets a Deployment's replicas through its scale subresource, only to sleep (0) or wake (1) a bot
   * (#15). The applied Deployment leaves replicas out (the HPA's field), so this fights no one.
   */
  async scaleDeployment(namespace: string, name: string, replicas: number): Promise<void> {
    await kubeRequest(this.kubeConfig, {
      method: 'PATCH',
      path: `${objectPath('apps/v1', 'Deployment', namespace, name)}/scale`,
      query: { fieldManager: FIELD_MANAGER },
      body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
      contentType: CONTENT_TYPES.jsonPatch,
    });
  }

  /** Sets (or with undefined removes) one annotation of a pod: the pod-deletion-cost (#15). */
  async annotatePod(namespace: string, name: string, key: string, value: string | undefined): Promise<void> {
    await kubeRequest(this.kubeConfig, {
      method: 'PATCH',
      path: objectPath('v1', 'Pod', namespace, name),
      query: { fieldManager: FIELD_MANAGER },
      body: { metadata: { annotations: { [key]: value ?? null } } },
      contentType: CONTENT_TYPES.mergePatch,
    });
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
    return kubeRequest<T>(this.kubeConfig, {
      method: 'PATCH',
      path: objectPath(
        object.apiVersion ?? '',
        object.kind ?? '',
        object.metadata?.namespace ?? '',
        object.metadata?.name ?? '',
      ),
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: object,
      contentType: CONTENT_TYPES.apply,
    });
  }

  /** A fresh read of an object; undefined when it does not exist. */
  async read(ref: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await kubeRequest<KubernetesObject>(this.kubeConfig, {
        method: 'GET',
        path: objectPath(ref.apiVersion, ref.kind, ref.metadata.namespace, ref.metadata.name),
      });
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
      await kubeRequest(this.kubeConfig, {
        method: 'DELETE',
        path: objectPath(ref.apiVersion, ref.kind, ref.metadata.namespace, ref.metadata.name),
        body: uid ? { preconditions: { uid } } : undefined,
      });
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
    return kubeRequest(this.kubeConfig, {
      method: 'PATCH',
      path: `${objectPath(bot.apiVersion, bot.kind, namespace, name)}/status`,
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: {
        apiVersion: bot.apiVersion,
        kind: bot.kind,
        metadata: { name, namespace, resourceVersion },
        status,
      },
      contentType: CONTENT_TYPES.apply,
    });
  }
}
