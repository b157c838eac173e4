// What keeps the workers from running or scaling, read from pod container states and HPA conditions,
// in words a user can act on.
import type { V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { REASONS } from '../api/names.ts';

export interface Problem {
  reason: string;
  message: string;
}

const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

export function podProblems(pods: ReadonlyArray<V1Pod>): Problem[] {
  // Messages name pods and images only (no restart counts, no kubelet wording that alternates), so the
  // status stays stable while a problem lasts.
  const pulls = new Map<string, string[]>();
  const crashes: string[] = [];
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    for (const status of pod.status?.containerStatuses ?? []) {
      const reason = status.state?.waiting?.reason;
      const podName = pod.metadata?.name ?? '';
      if (reason && IMAGE_PULL_REASONS.has(reason)) {
        pulls.set(status.image, [...(pulls.get(status.image) ?? []), podName]);
      } else if (reason === 'CrashLoopBackOff') {
        const code = status.lastState?.terminated?.exitCode;
        crashes.push(`${podName}${code === undefined ? '' : ` (exit code ${code})`}`);
      }
    }
  }
  const problems: Problem[] = [];
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
