// What keeps the workers from running or scaling, read from pod container states and HPA conditions,
// in words a user can act on.
import type { V1ContainerStateTerminated, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { REASONS } from '../api/names.ts';

export interface Problem {
  reason: string;
  message: string;
}

// ErrImageNeverPull: pullPolicy Never and the image is not on the node (seen on the real node, #18).
const IMAGE_PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

export function podProblems(pods: ReadonlyArray<V1Pod>): Problem[] {
  // Messages name pods, images and what Kubernetes said (no restart counts, no timestamps), so the
  // status stays stable while a problem lasts.
  const pulls = new Map<string, string[]>();
  const crashes: string[] = [];
  const unschedulable = new Map<string, string[]>();
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const podName = pod.metadata?.name ?? '';
    // #18: the scheduler's own words (e.g. "0/1 nodes are available: 1 Insufficient memory").
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      const message = scheduled.message ?? 'no node fits';
      unschedulable.set(message, [...(unschedulable.get(message) ?? []), podName]);
    }
    for (const status of pod.status?.containerStatuses ?? []) {
      const reason = status.state?.waiting?.reason;
      if (reason && IMAGE_PULL_REASONS.has(reason)) {
        pulls.set(status.image, [...(pulls.get(status.image) ?? []), podName]);
      } else if (reason === 'CrashLoopBackOff') {
        crashes.push(`${podName}${lastTermination(status.lastState?.terminated)}`);
      }
    }
  }
  const problems: Problem[] = [];
  for (const [message, podNames] of unschedulable) {
    problems.push({
      reason: REASONS.podsUnschedulable,
      message: `pods ${podNames.sort().join(', ')} cannot be scheduled: ${message.trim()}; check spec.resources and the nodes' capacity`,
    });
  }
  for (const [image, podNames] of pulls) {
    problems.push({
      reason: REASONS.imagePullFailing,
      message: `cannot pull image ${image} for pods ${podNames.sort().join(', ')}: check spec.image.repository, spec.image.tag and spec.image.pullSecrets`,
    });
  }
  if (crashes.length) {
    problems.push({
      reason: REASONS.podsCrashLooping,
      message: `workers are crash looping: ${crashes.sort().join(', ')}; see kubectl logs --previous`,
    });
  }
  return problems;
}

/** Longest termination message quoted (it is the worker's last log lines with FallbackToLogsOnError). */
const TERMINATION_MESSAGE_MAX = 512;

/**
 * " (exit code 2, OOMKilled: message)" from the last termination: the exit code, the reason when it is
 * not the plain "Error", and the termination message (#18: the worker's own words, e.g. the config
 * field it refused), trimmed.
 */
function lastTermination(terminated: V1ContainerStateTerminated | undefined): string {
  if (!terminated) return '';
  const parts = [`exit code ${terminated.exitCode}`];
  if (terminated.reason && terminated.reason !== 'Error') parts.push(terminated.reason);
  const message = terminated.message?.trim().replace(/\s+/g, ' ');
  const text = parts.join(', ');
  if (!message) return ` (${text})`;
  const clipped =
    message.length > TERMINATION_MESSAGE_MAX ? `…${message.slice(-TERMINATION_MESSAGE_MAX)}` : message;
  return ` (${text}: ${clipped})`;
}

export function autoscalerProblems(hpa: V2HorizontalPodAutoscaler | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const condition of hpa?.status?.conditions ?? []) {
    const unable =
      (condition.type === 'AbleToScale' || condition.type === 'ScalingActive') &&
      condition.status === 'False' &&
      condition.reason !== 'ScalingDisabled';
    if (unable) {
      problems.push({
        reason: REASONS.autoscalerUnableToScale,
        message:
          `autoscaler ${hpa?.metadata?.name} cannot scale (${condition.type}=False, ${condition.reason}): ${condition.message ?? ''}`.trim(),
      });
    }
  }
  return problems;
}
