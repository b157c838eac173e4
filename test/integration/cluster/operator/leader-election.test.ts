// Two operator processes with leader election: exactly one reconciles; SIGKILL of the leader hands
// over to the other within 20 s with the default 15 s / 10 s / 2 s timing.
import { jest } from '@jest/globals';
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { LEADER_ELECTION_LEASE } from '../../../../src/api/names.ts';
import { EVENT_FIELD, parseLogLine, type LogRecord } from '../../../../src/contracts/log-line.ts';
import { MERGE_PATCH, prepareOperatorNamespace, waitFor } from '../../../support/kube.ts';
import { sampleSpec } from '../../../support/sample-bot.ts';
import { botRef as sharedBotRef, createBot, readBot } from '../../../support/bot-objects.ts';

jest.setTimeout(180_000);

const ns = 'operator-leader';
let admin: KubeConfig;
let kubeconfigPath: string;

interface OperatorProcess {
  child: ChildProcess;
  lines: Array<LogRecord & { identity?: string; at: number }>;
}
const processes: OperatorProcess[] = [];

function spawnOperator(): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      '--experimental-strip-types',
      'src/operator/main.ts',
      '--metrics-address=127.0.0.1',
      '--leader-elect',
      `--lease-namespace=${ns}`,
      `--namespaces=${ns}`,
      '--metrics-port=0',
    ],
    { env: { ...process.env, KUBECONFIG: kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const proc: OperatorProcess = { child, lines: [] };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      const record = parseLogLine(line);
      if (record) proc.lines.push({ ...record, at: Date.now() });
    }
  });
  processes.push(proc);
  return proc;
}

const logged = (p: OperatorProcess, event: string) => p.lines.find((l) => l[EVENT_FIELD] === event);
const botRef = sharedBotRef(ns, 'elected');

beforeAll(async () => {
  ({ admin, path: kubeconfigPath } = await prepareOperatorNamespace(ns));
});

afterAll(() => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

it('one of two operators leads and reconciles; killing it hands over within 20 s', async () => {
  const a = spawnOperator();
  const b = spawnOperator();
  const [leader, standby] = await waitFor(
    () => [a, b].filter((p) => logged(p, 'became leader')),
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
    () => logged(leader, 'status updated'),
    (line) => line !== undefined,
    { timeoutMs: 10_000, what: "the leader's status log line" },
  );
  expect(logged(standby, 'became leader')).toBeUndefined();
  expect(logged(standby, 'status updated')).toBeUndefined();

  const killedAt = Date.now();
  leader.child.kill('SIGKILL');
  await waitFor(
    () => logged(standby, 'became leader'),
    (line) => line !== undefined,
    {
      timeoutMs: 25_000,
      what: 'the standby to take over',
    },
  );
  const handOverSeconds = ((logged(standby, 'became leader')?.at ?? 0) - killedAt) / 1000;
  console.log(`leader hand-over after SIGKILL: ${handOverSeconds.toFixed(1)} s`);
  expect(handOverSeconds).toBeLessThan(20);

  const lease = await admin
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name: LEADER_ELECTION_LEASE });
  expect(lease.spec?.holderIdentity).toBe(logged(standby, 'became leader')?.identity);

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
