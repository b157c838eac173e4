// The informer supervisor against scripted fake informers: restarts use a fresh informer, the handler
// learns what changed while the watch was down, replaced informers are ignored and stopped, silence
// triggers a re-list, and nothing restarts after stop().
import type { KubernetesObject } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backoffDelayMs,
  InformerSupervisor,
  silenceCheckIntervalMs,
  type SupervisedInformer,
  type WatchEventType,
} from '../../../src/operator/kube/informer-supervisor.ts';
import { createLogger } from '../../../src/contracts/logger.ts';
import { waitFor } from '../../support/wait-for.ts';

type Callback = (arg?: unknown) => void;
type Script = { items?: KubernetesObject[]; fail?: Error; hang?: boolean };

const obj = (name: string, resourceVersion: string): KubernetesObject => ({
  metadata: { name, namespace: 'ns', resourceVersion },
});

class FakeInformer {
  readonly callbacks = new Map<string, Callback[]>();
  readonly objects = new Map<string, KubernetesObject>();
  stops = 0;
  private readonly script: Script;
  constructor(script: Script) {
    this.script = script;
  }
  on(verb: string, cb: Callback) {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
  }
  off() {}
  emit(verb: string, arg?: unknown) {
    for (const cb of this.callbacks.get(verb) ?? []) cb(arg);
  }
  async start() {
    this.emit('connect');
    if (this.script.hang) await new Promise(() => {});
    await Promise.resolve();
    if (this.script.fail) return this.emit('error', this.script.fail);
    for (const item of this.script.items ?? []) this.deliver('add', item);
  }
  async stop() {
    this.stops++;
  }
  deliver(type: 'add' | 'update' | 'delete', item: KubernetesObject) {
    const name = item.metadata?.name as string;
    if (type === 'delete') this.objects.delete(name);
    else this.objects.set(name, item);
    this.emit(type, item);
  }
  list() {
    return [...this.objects.values()];
  }
  get(name: string) {
    return this.objects.get(name);
  }
}

function harness(scripts: Script[], options: { maxSilenceMs?: number } = {}) {
  const informers: FakeInformer[] = [];
  const events: string[] = [];
  const health = { restarts: 0, up: [] as boolean[] };
  const supervisor = new InformerSupervisor<KubernetesObject>({
    resource: 'things',
    createInformer: () => {
      const informer = new FakeInformer(scripts[Math.min(informers.length, scripts.length - 1)] as Script);
      informers.push(informer);
      return informer as unknown as SupervisedInformer<KubernetesObject>;
    },
    onEvent: (type: WatchEventType, o) =>
      events.push(`${type} ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    logger: createLogger({ level: 'error' }),
    health: {
      restart: () => health.restarts++,
      up: (isUp) => health.up.push(isUp),
      event: () => {},
      lastEventAge: () => {},
    },
    backoffInitialMs: 10,
    backoffMaxMs: 20,
    ...options,
  });
  return { supervisor, informers, events, health };
}

describe('InformerSupervisor', () => {
  it('restarts a failed watch with a fresh informer and reports only what changed meanwhile', async () => {
    const { supervisor, informers, events, health } = harness([
      { items: [obj('a', '1'), obj('b', '1'), obj('c', '1')] },
      { items: [obj('a', '1'), obj('b', '2'), obj('d', '1')] },
    ]);
    await supervisor.start();
    expect(events.splice(0)).toEqual(['add a@1', 'add b@1', 'add c@1']);
    informers[0]?.emit('error', new Error('ECONNRESET'));
    await waitFor(
      () => informers.length,
      (n) => n === 2,
      { timeoutMs: 2000, what: 'a fresh informer' },
    );
    await waitFor(
      () => health.up.at(-1),
      (up) => up === true,
      { timeoutMs: 2000, what: 'up again' },
    );
    expect(events.splice(0)).toEqual(['delete c@1', 'update b@2', 'add d@1']);
    expect(health.restarts).toBe(1);
    expect(health.up).toEqual([true, false, true]);
    expect(informers[0]?.stops).toBeGreaterThan(0);
    expect(supervisor.list().map((o) => o.metadata?.name)).toEqual(['a', 'b', 'd']);

    // The replaced informer is ignored (and stopped again) when it still delivers.
    const stops = informers[0]?.stops as number;
    informers[0]?.deliver('add', obj('zombie', '9'));
    informers[0]?.emit('error', new Error('late abort'));
    expect(events).toEqual([]);
    expect(informers[0]?.stops).toBe(stops + 1);
    informers[1]?.deliver('update', obj('a', '2'));
    expect(events).toEqual(['update a@2']);
    await sleep(50);
    expect(informers).toHaveLength(2);
    await supervisor.stop();
  });

  it('retries the first list with backoff until it succeeds', async () => {
    const { supervisor, informers, events, health } = harness([
      { fail: new Error('refused') },
      { fail: new Error('refused') },
      { items: [obj('a', '1')] },
    ]);
    await supervisor.start();
    expect(informers).toHaveLength(3);
    expect(events).toEqual(['add a@1']);
    expect(health.restarts).toBe(0); // not synced yet: not a restart
    expect(supervisor.isSynced()).toBe(true);
    await supervisor.stop();
  });

  it('re-lists a watch silent for longer than maxSilenceMs, and abandons a restart that hangs', async () => {
    const { supervisor, informers, health } = harness(
      [{ items: [obj('a', '1')] }, { hang: true }, { items: [] }],
      {
        maxSilenceMs: 200,
      },
    );
    await supervisor.start();
    await waitFor(
      () => informers.length,
      (n) => n >= 3,
      { timeoutMs: 3000, what: 'two silence restarts' },
    );
    expect(health.restarts).toBeGreaterThanOrEqual(2);
    await waitFor(
      () => supervisor.list().length,
      (n) => n === 0,
      { timeoutMs: 3000, what: 'the third list' },
    );
    await supervisor.stop();
  });

  it('does not restart after stop(), and start() returns when stopped before the first sync', async () => {
    const failing = harness([{ fail: new Error('refused') }]);
    const started = failing.supervisor.start();
    await waitFor(
      () => failing.informers.length,
      (n) => n >= 1,
      { timeoutMs: 1000, what: 'first attempt' },
    );
    await failing.supervisor.stop();
    await started;
    const count = failing.informers.length;
    await sleep(100);
    expect(failing.informers.length).toBe(count);

    const { supervisor, informers } = harness([{ items: [obj('a', '1')] }]);
    await supervisor.start();
    informers[0]?.emit('error', new Error('ECONNRESET')); // schedules a restart...
    await supervisor.stop(); // ...which stop() cancels
    await sleep(100);
    expect(informers).toHaveLength(1);
  });
});

describe('backoff and silence timing', () => {
  it('doubles from the initial delay up to the cap, with jitter in [exp/2, exp)', () => {
    expect(backoffDelayMs(0, 500, 60_000, () => 0)).toBe(250);
    expect(backoffDelayMs(0, 500, 60_000, () => 0.999)).toBeCloseTo(499.75);
    expect(backoffDelayMs(3, 500, 60_000, () => 0)).toBe(2000);
    expect(backoffDelayMs(40, 500, 60_000, () => 1)).toBe(60_000);
  });

  it('checks silence four times per allowed silence, within 100 ms .. 1 min', () => {
    expect(silenceCheckIntervalMs(2_000)).toBe(500);
    expect(silenceCheckIntervalMs(100)).toBe(100);
    expect(silenceCheckIntervalMs(15 * 60_000)).toBe(60_000);
  });
});
