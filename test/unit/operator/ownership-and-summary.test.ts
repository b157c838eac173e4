// #14 no takeover: which existing objects the operator may write; STATUS: Degraded beats Ready;
// #18 a failed reconcile changes only Degraded.
import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER, REASONS } from '../../../src/api/names.ts';
import { ownershipOf } from '../../../src/operator/ownership.ts';
import { specProblems } from '../../../src/operator/spec-problems.ts';
import { computeStatus, degradedStatus, summaryOf } from '../../../src/operator/status.ts';

import { sampleBot } from '../../support/sample-bot.ts';

const bot = { metadata: { name: 'shop', uid: 'uid-1' } };
const controllerRef = (kind: string, name: string, uid: string) => ({
  apiVersion: 'x/v1',
  kind,
  name,
  uid,
  controller: true,
});
const object = (meta: KubernetesObject['metadata']): KubernetesObject => ({
  kind: 'Service',
  metadata: { name: 'shop', namespace: 'stores', ...meta },
});
const ourApply = { manager: FIELD_MANAGER, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} };

describe('ownershipOf', () => {
  it("is the bot's when its controller reference carries the bot's uid", () => {
    expect(
      ownershipOf(
        object({ ownerReferences: [controllerRef('InventoryBot', 'shop', 'uid-1')] }),
        bot,
        FIELD_MANAGER,
      ),
    ).toEqual({ owned: true });
  });
  it("is not the bot's: a user's object (no owner, another field manager)", () => {
    const users = object({ managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }] });
    expect(ownershipOf(users, bot, FIELD_MANAGER)).toEqual({
      owned: false,
      why: 'was not created by this InventoryBot',
    });
  });
  it("is not the bot's: another controller's, or an earlier bot of the same name", () => {
    const other = ownershipOf(
      object({ ownerReferences: [controllerRef('Deployment', 'web', 'u9')], managedFields: [ourApply] }),
      bot,
      FIELD_MANAGER,
    );
    expect(other).toEqual({ owned: false, why: 'is controlled by Deployment web' });
    const earlier = ownershipOf(
      object({ ownerReferences: [controllerRef('InventoryBot', 'shop', 'old')] }),
      bot,
      FIELD_MANAGER,
    );
    expect(earlier.owned).toBe(false);
  });
  it("is the bot's when we applied it and only its owner reference was removed (restored, #18)", () => {
    expect(ownershipOf(object({ managedFields: [ourApply] }), bot, FIELD_MANAGER)).toEqual({ owned: true });
  });
});

describe('STATUS summary', () => {
  const now = new Date('2026-11-30T00:00:00Z');
  it('shows the Degraded reason over a Ready one, and the Ready reason otherwise', () => {
    const healthy = computeStatus({
      generation: 1,
      previous: undefined,
      deployment: {
        metadata: { name: 'shop', generation: 1 },
        spec: { replicas: 1, selector: {}, template: {} },
        status: {
          observedGeneration: 1,
          replicas: 1,
          updatedReplicas: 1,
          availableReplicas: 1,
          readyReplicas: 1,
        },
      },
      horizontalPodAutoscaler: undefined,
      problems: [],
      now,
    });
    expect(healthy.summary).toBe(REASONS.workersReady);
    const degraded = computeStatus({
      generation: 1,
      previous: healthy,
      deployment: undefined,
      horizontalPodAutoscaler: undefined,
      problems: [{ reason: REASONS.secretNotFound, message: 'm' }],
      now,
    });
    expect(summaryOf(degraded.conditions ?? [])).toBe(REASONS.secretNotFound);
    expect(degraded.summary).toBe(REASONS.secretNotFound);
  });

  it('a failed reconcile sets Degraded and keeps Ready and the figures as they were', () => {
    const previous = computeStatus({
      generation: 1,
      previous: undefined,
      deployment: {
        metadata: { name: 'shop', generation: 1 },
        spec: { replicas: 2, selector: {}, template: {} },
        status: {
          observedGeneration: 1,
          replicas: 2,
          updatedReplicas: 2,
          availableReplicas: 2,
          readyReplicas: 2,
        },
      },
      horizontalPodAutoscaler: undefined,
      problems: [],
      now,
    });
    const failed = degradedStatus(
      previous,
      [{ reason: REASONS.applyFailed, message: 'webhook down' }],
      2,
      now,
    );
    expect(failed.readyReplicas).toBe(2);
    expect(failed.conditions?.find((c) => c.type === 'Ready')).toEqual(
      previous.conditions?.find((c) => c.type === 'Ready'),
    );
    expect(failed.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: REASONS.applyFailed,
      message: 'webhook down',
    });
    expect(failed.summary).toBe(REASONS.applyFailed);
    const cleared = degradedStatus(failed, [], 2, now);
    expect(cleared.summary).toBe(REASONS.workersReady);
  });
});

describe('specProblems (#14)', () => {
  it('CPU target 0 without external metrics is Degraded, naming both fixes', () => {
    const spec = sampleBot({ scaling: { targetCPUUtilizationPercentage: 0, queueLagPerReplica: 10 } }).spec;
    const [problem, ...rest] = specProblems(spec, { externalMetrics: false });
    expect(rest).toEqual([]);
    expect(problem?.reason).toBe(REASONS.cpuTargetNeedsExternalMetrics);
    expect(problem?.message).toContain('spec.scaling.targetCPUUtilizationPercentage');
    expect(problem?.message).toContain('externalMetrics.enabled=true');
    expect(specProblems(spec, { externalMetrics: true })).toEqual([]);
    expect(specProblems(sampleBot().spec, { externalMetrics: false })).toEqual([]);
  });
});
