// Status conditions: lastTransitionTime changes only when a condition's status flips, so a
// converged bot's status is byte-for-byte stable across reconciles.
import type { Condition } from '../api/inventory-bot.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

export function setCondition(current: Condition[], next: ConditionInput, now: Date): Condition[] {
  const previous = current.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status
      ? previous.lastTransitionTime
      : now.toISOString().replace(/\.\d+Z$/, 'Z');
  const updated: Condition = { ...next, lastTransitionTime };
  return previous ? current.map((c) => (c.type === next.type ? updated : c)) : [...current, updated];
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
