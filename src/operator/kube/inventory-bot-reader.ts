// The one InventoryBot read from the API server (#16: the reconciler and the external-metrics server each
// wrote it): a fresh GET, not the cache, for when the cached copy may be stale.
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { API_VERSION } from '../../api/names.ts';
import type { KubeAccess } from './kube-access.ts';
import { kubeRequest, objectPath } from './kube-request.ts';

export type InventoryBotReader = (namespace: string, name: string) => Promise<InventoryBot>;

export function inventoryBotReader(kubeConfig: KubeAccess): InventoryBotReader {
  return (namespace, name) =>
    kubeRequest<InventoryBot>(kubeConfig, {
      method: 'GET',
      path: objectPath(API_VERSION, 'InventoryBot', namespace, name),
    });
}
