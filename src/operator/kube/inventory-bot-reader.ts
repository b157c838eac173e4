// The one InventoryBot read from the API server (#16: the reconciler and the external-metrics server each
// wrote it): a fresh GET, not the cache, for when the cached copy may be stale.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { GROUP, PLURAL, VERSION } from '../../api/names.ts';

export type InventoryBotReader = (namespace: string, name: string) => Promise<InventoryBot>;

export function inventoryBotReader(kubeConfig: KubeConfig): InventoryBotReader {
  const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  return async (namespace, name) =>
    (await customObjects.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace,
      name,
    })) as InventoryBot;
}
