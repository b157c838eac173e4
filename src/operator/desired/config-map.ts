// spec → ConfigMap `<bot>-config` holding the worker's config.json (no secrets: those go by reference).
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { WORKER_CONFIG_FILE } from '../../api/names.ts';
import { workerConfigFromSpec } from '../../contracts/worker-config.ts';
import { configMapName } from './object-names.ts';
import { ownedMetadata } from './labels.ts';

export function desiredConfigMap(bot: InventoryBot): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMetadata(bot, configMapName(bot.metadata.name)),
    data: { [WORKER_CONFIG_FILE]: JSON.stringify(workerConfigFromSpec(bot.spec), null, 2) + '\n' },
  };
}
