// Labels and owner references shared by every object a bot owns.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { APP_NAME, LABELS, OPERATOR_NAME, WORKER_COMPONENT } from '../../api/names.ts';

/** Selects the bot's worker pods. Immutable in a Deployment: never add to it. */
export function selectorLabels(bot: InventoryBot): Record<string, string> {
  return {
    [LABELS.name]: APP_NAME,
    [LABELS.instance]: bot.metadata.name,
    [LABELS.component]: WORKER_COMPONENT,
  };
}

/** On every owned object and pod; managed-by is what the operator's informers select on. */
export function commonLabels(bot: InventoryBot): Record<string, string> {
  return {
    ...selectorLabels(bot),
    [LABELS.managedBy]: OPERATOR_NAME,
    [LABELS.partOf]: APP_NAME,
    ...versionLabel(bot.spec.image.tag),
  };
}

/**
 * The version label from the image tag (#14): a tag may be 128 characters and start with `_`, a label
 * value at most 63, beginning and ending alphanumeric. Truncated and trimmed; none when nothing is left.
 */
export function versionLabel(tag: string): Record<string, string> {
  const value = tag
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return value ? { [LABELS.version]: value } : {};
}

/** Label selector the operator's informers use for owned objects. */
export const MANAGED_BY_SELECTOR = `${LABELS.managedBy}=${OPERATOR_NAME}`;

/** Controller reference: garbage collection deletes the object with its bot. */
export function ownerReference(bot: InventoryBot): V1OwnerReference {
  return {
    apiVersion: bot.apiVersion,
    kind: bot.kind,
    name: bot.metadata.name,
    uid: bot.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function ownedMetadata(bot: InventoryBot, name: string): V1ObjectMeta {
  return {
    name,
    namespace: bot.metadata.namespace,
    labels: commonLabels(bot),
    ownerReferences: [ownerReference(bot)],
  };
}
