// InventoryBots on the test API server, created and read as a user does: one copy of the calls the
// cluster tests each wrote out (#16).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { InventoryBot } from '../../src/api/inventory-bot.ts';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../src/api/names.ts';

export const botRef = (namespace: string, name: string) => ({
  group: GROUP,
  version: VERSION,
  plural: PLURAL,
  namespace,
  name,
});

export async function createBot(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  spec: object,
): Promise<void> {
  const { group, version, plural } = botRef(namespace, name);
  await kubeConfig.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group,
    version,
    plural,
    namespace,
    body: { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace }, spec },
  });
}

export const readBot = (kubeConfig: KubeConfig, namespace: string, name: string) =>
  kubeConfig
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject(botRef(namespace, name)) as Promise<InventoryBot>;

/** Deletes the bot; one that is not there is no error (cleanup after a test that failed early). */
export async function deleteBot(kubeConfig: KubeConfig, namespace: string, name: string): Promise<void> {
  await kubeConfig
    .makeApiClient(CustomObjectsApi)
    .deleteNamespacedCustomObject(botRef(namespace, name))
    .catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
}
