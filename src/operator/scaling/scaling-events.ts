// Events for the scale decisions the operator makes itself (#15): a hold starts (Warning, with the
// cause) or ends (Normal). Pure: from the status before and after a reconcile.
import type { InventoryBotStatus } from '../../api/inventory-bot.ts';
import { CONDITION_TYPES, EVENT_REASONS } from '../../api/names.ts';
import { findCondition } from '../conditions.ts';

export interface ScalingEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function scalingHeldEvent(
  before: InventoryBotStatus | undefined,
  after: InventoryBotStatus,
): ScalingEvent | undefined {
  const was = findCondition(before?.conditions, CONDITION_TYPES.scalingHeld);
  const is = findCondition(after.conditions, CONDITION_TYPES.scalingHeld);
  if (!is) return undefined;
  if (is.status === 'True' && (was?.status !== 'True' || was.reason !== is.reason)) {
    return { type: 'Warning', reason: EVENT_REASONS.scalingHeld, message: `${is.reason}: ${is.message}` };
  }
  if (is.status === 'False' && was?.status === 'True') {
    return {
      type: 'Normal',
      reason: EVENT_REASONS.scalingResumed,
      message: `the autoscaler decides again (the hold for ${was.reason} ended)`,
    };
  }
  return undefined;
}
