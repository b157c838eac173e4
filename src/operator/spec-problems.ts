// A spec the API server accepted but this operator cannot serve as asked (#14), in words naming the
// fix. Pure: the spec and the operator's capabilities in, problems out.
import type { InventoryBotSpec } from '../api/inventory-bot.ts';
import { REASONS } from '../api/names.ts';
import type { Problem } from './workload-problems.ts';

export function specProblems(spec: InventoryBotSpec, options: { externalMetrics: boolean }): Problem[] {
  const problems: Problem[] = [];
  // CPU 0 means "queue lag only"; without the operator's external metrics there is no lag metric and
  // the HPA falls back to its default of 80 % CPU, which is not what was asked.
  if (spec.scaling.targetCPUUtilizationPercentage === 0 && !options.externalMetrics) {
    problems.push({
      reason: REASONS.cpuTargetNeedsExternalMetrics,
      message:
        'spec.scaling.targetCPUUtilizationPercentage is 0 (scale on queue lag only), but this operator does not serve external metrics, so the autoscaler uses its default of 80% CPU: set spec.scaling.targetCPUUtilizationPercentage, or install the operator with externalMetrics.enabled=true',
    });
  }
  // Warehouse shards (#13): a worker beyond the shard count owns no shard and stays idle, so the
  // autoscaler would add pods that cannot help (and scale on their idle CPU).
  const { shards } = spec.queue;
  if (shards > 0 && spec.scaling.maxReplicas > shards) {
    problems.push({
      reason: REASONS.replicasAboveShards,
      message: `spec.scaling.maxReplicas is ${spec.scaling.maxReplicas} but spec.queue.shards is ${shards}: a shard is worked by one replica at a time, so at most ${shards} replicas can be busy and the others stay idle: lower spec.scaling.maxReplicas to ${shards}, or raise spec.queue.shards (a migration, see README "Warehouse shards")`,
    });
  }
  return problems;
}
