// Whether the operator may write an existing object for a bot (#14: no takeover). Pure: no I/O.
// An object is the bot's when its controller owner reference carries the bot's uid. One without any
// controller reference is still the bot's when our field manager applied it (its managedFields say
// so): that is an object we created whose owner reference someone removed (#18 restores it). Anything
// else (a user's Service named like the bot, another controller's object) is left untouched: the
// operator never adopts, changes or deletes an object it did not create, as controller-runtime's
// "already exists and is not managed by" refusal.
import type { KubernetesObject } from '@kubernetes/client-node';
import { KIND } from '../api/names.ts';

export type Ownership = { owned: true } | { owned: false; why: string };

export function ownershipOf(
  object: KubernetesObject,
  bot: { metadata: { name: string; uid: string } },
  fieldManager: string,
): Ownership {
  const controller = object.metadata?.ownerReferences?.find((ref) => ref.controller);
  if (controller) {
    if (controller.kind === KIND && controller.uid === bot.metadata.uid) return { owned: true };
    const sameName = controller.kind === KIND && controller.name === bot.metadata.name;
    return {
      owned: false,
      why: sameName
        ? `is controlled by an earlier InventoryBot ${controller.name} (uid ${controller.uid}) and awaits garbage collection`
        : `is controlled by ${controller.kind} ${controller.name}`,
    };
  }
  const ours = object.metadata?.managedFields?.some(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && !entry.subresource,
  );
  return ours ? { owned: true } : { owned: false, why: 'was not created by this InventoryBot' };
}

/** `Kind namespace/name` of an object, for messages. */
export function describeObject(object: KubernetesObject): string {
  return `${object.kind ?? 'object'} ${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
