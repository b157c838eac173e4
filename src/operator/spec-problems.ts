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
  return problems;
}
