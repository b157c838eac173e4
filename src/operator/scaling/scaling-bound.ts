// Why the worker count is what it is (#15): the replicas the queue calls for against what the
// autoscaler set, and the limit that made the difference. Pure: reads the spec, the HPA's status and
// the operator's own hold/sleep state.
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { InventoryBotSpec } from '../../api/inventory-bot.ts';

export const LIMITS = {
  queueLag: 'QueueLag',
  cpu: 'CPU',
  maxReplicas: 'MaxReplicas',
  shardCount: 'ShardCount',
  minReplicas: 'MinReplicas',
  scaleDownStabilization: 'ScaleDownStabilization',
  held: 'Held',
  asleep: 'Asleep',
  unknown: 'Unknown',
} as const;
export type Limit = (typeof LIMITS)[keyof typeof LIMITS];

export interface BoundInput {
  scaling: InventoryBotSpec['scaling'];
  /** spec.queue.shards (0: not sharded): one worker per shard can be busy (#13). */
  shards?: number;
  /** The HPA scales on queue lag (the operator serves external metrics and a lag target is set). */
  queueMetric: boolean;
  queueReplicas: number | undefined;
  hpa: V2HorizontalPodAutoscaler | undefined;
  /** Replicas the operator holds while the queue cannot be read or intake is paused. */
  heldReplicas?: number;
  heldBecause?: string;
  asleep?: boolean;
}

export interface Bound {
  limitedBy: Limit;
  message: string;
}

const cond = (hpa: V2HorizontalPodAutoscaler | undefined, type: string) =>
  hpa?.status?.conditions?.find((c) => c.type === type);

export function scalingBound(input: BoundInput): Bound {
  const { scaling, queueReplicas: wanted, hpa } = input;
  const set = hpa?.status?.desiredReplicas;
  const queuePart =
    wanted === undefined
      ? 'the queue figure is unknown'
      : `the queue calls for ${wanted} worker${wanted === 1 ? '' : 's'} at ${scaling.queueLagPerReplica} outstanding batches each`;
  if (input.asleep) {
    return { limitedBy: LIMITS.asleep, message: `asleep at 0 workers: the queue is empty; ${queuePart}` };
  }
  if (input.heldReplicas !== undefined) {
    return {
      limitedBy: LIMITS.held,
      message: `held at ${input.heldReplicas} or more workers (${input.heldBecause ?? 'fallback'}); ${queuePart}`,
    };
  }
  if (set === undefined || set === 0) {
    return { limitedBy: LIMITS.unknown, message: `the autoscaler has not computed yet; ${queuePart}` };
  }
  const setPart = `; the autoscaler set ${set}`;
  // Sharded, only one worker per shard can be busy (#13): with maxReplicas above the shard count, the
  // shard count is what bounds the useful workers (the operator also reports MaxReplicasAboveShards).
  const shards = input.shards ?? 0;
  if (
    shards > 0 &&
    shards < scaling.maxReplicas &&
    wanted !== undefined &&
    wanted > shards &&
    set >= shards
  ) {
    return {
      limitedBy: LIMITS.shardCount,
      message: `${queuePart}${setPart}: only ${shards} warehouse shards, so at most ${shards} workers take work (spec.queue.shards)`,
    };
  }
  const limited = cond(hpa, 'ScalingLimited');
  if (limited?.status === 'True' && limited.reason === 'TooManyReplicas') {
    return {
      limitedBy: LIMITS.maxReplicas,
      message: `${queuePart}${setPart}: capped by maxReplicas ${scaling.maxReplicas}`,
    };
  }
  if (wanted !== undefined && wanted > scaling.maxReplicas && set >= scaling.maxReplicas) {
    return {
      limitedBy: LIMITS.maxReplicas,
      message: `${queuePart}${setPart}: capped by maxReplicas ${scaling.maxReplicas}`,
    };
  }
  const able = cond(hpa, 'AbleToScale');
  if (able?.reason === 'ScaleDownStabilized' && (wanted === undefined || set > wanted)) {
    return {
      limitedBy: LIMITS.scaleDownStabilization,
      message: `${queuePart}${setPart}: scale-in waits for the ${scaling.scaleDownStabilizationSeconds}s stabilization window`,
    };
  }
  const floor = Math.max(1, scaling.minReplicas);
  if (set <= floor && (wanted === undefined || wanted <= floor)) {
    return {
      limitedBy: LIMITS.minReplicas,
      message: `${queuePart}${setPart}: the floor is minReplicas ${floor}`,
    };
  }
  if (!input.queueMetric || wanted === undefined || set > wanted) {
    const why = input.queueMetric
      ? 'CPU asks for more'
      : 'it scales on CPU (queue lag is not one of its metrics)';
    return { limitedBy: LIMITS.cpu, message: `${queuePart}${setPart}: ${why}` };
  }
  return { limitedBy: LIMITS.queueLag, message: `${queuePart}${setPart}` };
}
