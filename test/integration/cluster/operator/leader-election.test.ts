// Two operator processes with leader election: exactly one reconciles; SIGKILL of the leader hands
// over to the other within 20 s with the default 15 s / 10 s / 2 s timing.
import { jest } from '@jest/globals';
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { LEADER_ELECTION_LEASE } from '../../../../src/api/names.ts';
import { MERGE_PATCH, prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef as sharedBotRef, createBot, readBot } from '../../../support/bot-objects.ts';
import {
  killAll,
  leaderElectedArgs,
  spawnOperator,
  type OperatorProcess,
} from '../../../support/operator-process.ts';

jest.setTimeout(180_000);

const ns = 'operator-leader';
let admin: KubeConfig;
let kubeconfigPath: string;

const processes: OperatorProcess[] = [];
const startOperator = (): OperatorProcess => {
  const p = spawnOperator({ kubeconfigPath, args: leaderElectedArgs(ns) });
  processes.push(p);
  return p;
};
const botRef = sharedBotRef(ns, 'elected');

beforeAll(async () => {
  ({ admin, path: kubeconfigPath } = await prepareOperatorNamespace(ns));
});

afterAll(() => killAll(processes));

it('one of two operators leads and reconciles; killing it hands over within 20 s', async () => {
  const a = startOperator();
  const b = startOperator();
  const [leader, standby] = await waitFor(
    () => [a, b].filter((p) => p.logged('became leader')),
    (leaders) => leaders.length >= 1,
    { timeoutMs: 30_000, what: 'a leader' },
  ).then((leaders) => (leaders[0] === a ? [a, b] : [b, a]) as [OperatorProcess, OperatorProcess]);

  const custom = admin.makeApiClient(CustomObjectsApi);
  await createBot(admin, ns, 'elected', sampleSpec());
  await waitFor(
    () => readBot(admin, ns, 'elected'),
    (bot) => bot.status?.observedGeneration === 1,
    { timeoutMs: 60_000, what: 'bot reconciled by the leader' },
  );
  // The leader logs the status write after recording its events, so the line can trail the status.
  await waitFor(
    () => leader.logged('status updated'),
    (line) => line !== undefined,
    { timeoutMs: 10_000, what: "the leader's status log line" },
  );
  expect(standby.logged('became leader')).toBeUndefined();
  expect(standby.logged('status updated')).toBeUndefined();

  const killedAt = Date.now();
  leader.child.kill('SIGKILL');
  await waitFor(
    () => standby.logged('became leader'),
    (line) => line !== undefined,
    {
      timeoutMs: 25_000,
      what: 'the standby to take over',
    },
  );
  const handOverSeconds = ((standby.logged('became leader')?.at ?? 0) - killedAt) / 1000;
  console.log(`leader hand-over after SIGKILL: ${handOverSeconds.toFixed(1)} s`);
  expect(handOverSeconds).toBeLessThan(20);

  const lease = await admin
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name: LEADER_ELECTION_LEASE });
  expect(lease.spec?.holderIdentity).toBe(standby.logged('became leader')?.identity);

  // The new leader reconciles: a spec change is observed.
  await custom.patchNamespacedCustomObject(
    { ...botRef, body: { spec: { scaling: { maxReplicas: 3 } } } },
    MERGE_PATCH,
  );
  await waitFor(
    () => readBot(admin, ns, 'elected'),
    (bot) => bot.status?.observedGeneration === 2,
    { timeoutMs: 30_000, what: 'the new leader to reconcile generation 2' },
  );

  // SIGTERM releases the lease at once.
  standby.child.kill('SIGTERM');
  await waitFor(
    () => standby.child.exitCode,
    (code) => code !== null,
    { timeoutMs: 15_000, what: 'standby exit' },
  );
  expect(standby.child.exitCode).toBe(0);
  const released = await admin
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name: LEADER_ELECTION_LEASE });
  expect(released.spec?.holderIdentity ?? '').toBe('');
});
