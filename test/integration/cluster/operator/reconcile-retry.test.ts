// A reconcile that fails (here: a real 409 from a competing write to the bot between our read and our
// status write) is retried by the work queue with backoff and converges.
import { jest } from '@jest/globals';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { InventoryBot } from '../../../../src/api/inventory-bot.ts';
import { isConflict } from '../../../../src/operator/errors.ts';
import { TransientError } from '../../../../src/contracts/errors.ts';
import { Applier } from '../../../../src/operator/kube/apply.ts';
import { createLogger } from '../../../../src/contracts/logger.ts';
import { Reconciler } from '../../../../src/operator/reconciler.ts';
import { itemExponentialRateLimiter } from '../../../../src/operator/rate-limiter.ts';
import { runWorkers, WorkQueue } from '../../../../src/operator/work-queue.ts';
import { MERGE_PATCH, prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef, createBot } from '../../../support/bot-objects.ts';

jest.setTimeout(120_000);

const ns = 'operator-retry';
let admin: KubeConfig;
let operatorConfig: KubeConfig;

beforeAll(async () => {
  ({ admin, kubeConfig: operatorConfig } = await prepareOperatorNamespace(ns));
});

it('retries a reconcile that hit a 409 from a competing write, with backoff, and converges', async () => {
  const adminCustom = admin.makeApiClient(CustomObjectsApi);
  const ref = botRef(ns, 'contested');
  await createBot(admin, ns, 'contested', sampleSpec());

  const custom = operatorConfig.makeApiClient(CustomObjectsApi);
  const core = operatorConfig.makeApiClient(CoreV1Api);
  let reads = 0;
  const errors: unknown[] = [];
  const attemptsAt: number[] = [];
  const reconciler = new Reconciler({
    applier: new Applier(operatorConfig),
    readBot: async (namespace, name) => {
      const bot = (await custom.getNamespacedCustomObject({ ...ref, namespace, name })) as InventoryBot;
      attemptsAt.push(Date.now());
      if (++reads <= 2) {
        // Someone else writes the bot after our read: our status write is now stale.
        await adminCustom.patchNamespacedCustomObject(
          { ...ref, body: { metadata: { annotations: { 'test/touch': String(reads) } } } },
          MERGE_PATCH,
        );
      }
      return bot;
    },
    readSecret: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
    listPods: () => [],
    hasPodDisruptionBudget: () => false,
    monitoringKinds: async () => ({ serviceMonitor: false, prometheusRule: false }),
    events: { record: async () => undefined },
    externalMetrics: false,
    secretRecheckMs: 60_000,
    logger: createLogger({ level: 'error' }),
  });

  const queue = new WorkQueue({ rateLimiter: itemExponentialRateLimiter(50, 5_000) });
  const running = runWorkers(
    queue,
    2,
    (key) => reconciler.reconcile(key),
    (_key, error) => errors.push(error),
  );
  queue.add(`${ns}/contested`);
  const bot = await waitFor(
    () => custom.getNamespacedCustomObject(ref) as Promise<InventoryBot>,
    (b) => b.status?.observedGeneration === 1 && (b.status?.conditions?.length ?? 0) === 3,
    { timeoutMs: 30_000, intervalMs: 100, what: 'status written after the conflicts' },
  );
  queue.shutDown();
  await running;

  expect(errors).toHaveLength(2);
  for (const error of errors) {
    expect(error).toBeInstanceOf(TransientError);
    expect(isConflict((error as Error).cause)).toBe(true);
  }
  expect(reads).toBe(3);
  // Backoff: 50 ms then 100 ms between the attempts.
  expect((attemptsAt[1] as number) - (attemptsAt[0] as number)).toBeGreaterThanOrEqual(45);
  expect((attemptsAt[2] as number) - (attemptsAt[1] as number)).toBeGreaterThanOrEqual(95);
  expect(bot.metadata.annotations?.['test/touch']).toBe('2');
  expect(queue.numRequeues(`${ns}/contested`)).toBe(0);
});
