// spec.scaling.minReplicas >= 2 → a PDB letting one worker go at a time during node drains.
// With fewer replicas a PDB would block drains entirely, so there is none (and an old one is removed).
// Unready workers may always be evicted (unhealthyPodEvictionPolicy AlwaysAllow, GA in Kubernetes 1.31):
// a worker is unready while no upstream takes calls (its /readyz), and under the default policy an
// upstream outage would then block every node drain until the upstream is back. Evicting an unready
// worker loses nothing: on SIGTERM it gives its batches back to the group.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { ownedMetadata, selectorLabels } from './labels.ts';
import { workloadName } from './object-names.ts';

export const PDB_MIN_REPLICAS = 2;

export function desiredPodDisruptionBudget(bot: InventoryBot): V1PodDisruptionBudget | undefined {
  if (bot.spec.scaling.minReplicas < PDB_MIN_REPLICAS) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMetadata(bot, workloadName(bot.metadata.name)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(bot) },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}
