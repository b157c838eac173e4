// The one InventoryBot read from the API server (#16: the reconciler and the external-metrics server each
// wrote it): a GET, not the cache (the operator caches bots as metadata only: #14).
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { API_VERSION } from '../../api/names.ts';
import type { KubeAccess } from './kube-access.ts';
import { kubeRequest, objectPath } from './kube-request.ts';

/**
 * `notOlderThan`: a resourceVersion the caller has seen (its cache's): the API server then answers from
 * its watch cache with the bot at that version or newer, without a read from etcd (#14: at 1,000 bots
 * a cold start is CPU-bound on the control plane, and this is one request per reconcile). Without it,
 * the latest version, read from etcd.
 */
export type InventoryBotReader = (
  namespace: string,
  name: string,
  notOlderThan?: string,
) => Promise<InventoryBot>;

export function inventoryBotReader(kubeConfig: KubeAccess): InventoryBotReader {
  return (namespace, name, notOlderThan) =>
    kubeRequest<InventoryBot>(kubeConfig, {
      method: 'GET',
      path: objectPath(API_VERSION, 'InventoryBot', namespace, name),
      query: { resourceVersion: notOlderThan || undefined },
    });
}
