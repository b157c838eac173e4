// The operator's port of client-node's ListWatch (#14) against a scripted Watch: list then watch from
// the list's resourceVersion, events kept and reported, a watch that ends re-watched from the last
// resourceVersion, 410 Gone re-listed (objects gone meanwhile reported deleted), other errors reported.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Watch } from '../../../src/operator/kube/watch.ts';
import { ListWatch } from '../../../src/operator/kube/list-watch.ts';
import { waitFor } from '../../support/wait-for.ts';

const obj = (name: string, resourceVersion: string, namespace = 'ns'): KubernetesObject => ({
  metadata: { name, namespace, resourceVersion },
});

type Callback = (phase: string, object: KubernetesObject) => void;
type Done = (error: unknown) => void;

/** A Watch whose calls are recorded; the test drives each watch's events and its end. */
class ScriptedWatch {
  readonly calls: { path: string; query: Record<string, string>; callback: Callback; done: Done }[] = [];
  aborts = 0;
  async watch(path: string, query: Record<string, string>, callback: Callback, done: Done) {
    this.calls.push({ path, query, callback, done });
    return { abort: () => this.aborts++ };
  }
  get last() {
    const call = this.calls.at(-1);
    if (!call) throw new Error('no watch yet');
    return call;
  }
}

function harness(lists: KubernetesListObject<KubernetesObject>[]) {
  const watch = new ScriptedWatch();
  const events: string[] = [];
  const errors: unknown[] = [];
  let listed = 0;
  const informer = new ListWatch<KubernetesObject>(
    '/api/v1/namespaces/ns/pods',
    watch as unknown as Watch,
    async () => lists[Math.min(listed++, lists.length - 1)] as KubernetesListObject<KubernetesObject>,
    'app=x',
  );
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (o) => events.push(`${verb} ${o.metadata?.name}@${o.metadata?.resourceVersion}`));
  }
  informer.on('error', (error) => errors.push(error));
  return { informer, watch, events, errors, listCount: () => listed };
}

const list = (resourceVersion: string, items: KubernetesObject[]) => ({
  metadata: { resourceVersion },
  items,
});

it('lists, then watches from the list resourceVersion with the label selector', async () => {
  const { informer, watch, events } = harness([list('10', [obj('a', '5'), obj('b', '6')])]);
  await informer.start();
  expect(events).toEqual(['add a@5', 'add b@6']);
  expect(watch.last.path).toBe('/api/v1/namespaces/ns/pods');
  expect(watch.last.query).toEqual({ resourceVersion: '10', labelSelector: 'app=x' });
  expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
  expect(informer.get('a', 'ns')?.metadata?.resourceVersion).toBe('5');
});

it('keeps and reports watch events; the same resourceVersion is no update', async () => {
  const { informer, watch, events } = harness([list('10', [obj('a', '5')])]);
  await informer.start();
  watch.last.callback('ADDED', obj('c', '11'));
  watch.last.callback('MODIFIED', obj('a', '12'));
  watch.last.callback('MODIFIED', obj('a', '12'));
  watch.last.callback('DELETED', obj('c', '13'));
  watch.last.callback('BOOKMARK', { metadata: { resourceVersion: '14' } });
  expect(events).toEqual(['add a@5', 'add c@11', 'update a@12', 'delete c@13']);
  expect(informer.list().map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)).toEqual(['a@12']);
  // A watch that ends is resumed from the last resourceVersion seen (the bookmark's), without a list.
  watch.last.done(null);
  await waitFor(
    () => watch.calls.length,
    (n) => n === 2,
    { timeoutMs: 5000, intervalMs: 5, what: 'the next watch' },
  );
  expect(watch.last.query.resourceVersion).toBe('14');
});

it('410 Gone re-lists: objects gone meanwhile are reported deleted, changed ones updated', async () => {
  const { informer, watch, events, listCount } = harness([
    list('10', [obj('a', '5'), obj('b', '6')]),
    list('20', [obj('a', '15'), obj('d', '16')]),
  ]);
  await informer.start();
  watch.last.callback('ERROR', { code: 410 } as KubernetesObject);
  watch.last.done({ code: 410 });
  await waitFor(
    () => watch.calls.length,
    (n) => n === 2,
    { timeoutMs: 5000, intervalMs: 5, what: 'the next watch' },
  );
  expect(listCount()).toBe(2);
  expect(events).toEqual(['add a@5', 'add b@6', 'delete b@6', 'update a@15', 'add d@16']);
  expect(watch.last.query.resourceVersion).toBe('20');
});

it('any other watch error is reported and ends it (the supervisor restarts it)', async () => {
  const { informer, watch, errors } = harness([list('10', [])]);
  await informer.start();
  const failure = new Error('connection reset');
  watch.last.done(failure);
  expect(errors).toEqual([failure]);
  expect(watch.calls).toHaveLength(1);
});

it('a failed list is reported and starts no watch', async () => {
  const watch = new ScriptedWatch();
  const errors: unknown[] = [];
  const failure = new Error('forbidden');
  const informer = new ListWatch<KubernetesObject>('/p', watch as unknown as Watch, () =>
    Promise.reject(failure),
  );
  informer.on('error', (error) => errors.push(error));
  await informer.start();
  expect(errors).toEqual([failure]);
  expect(watch.calls).toHaveLength(0);
});

it('stop() aborts the watch and a later end of it starts nothing', async () => {
  const { informer, watch } = harness([list('10', [])]);
  await informer.start();
  await informer.stop();
  expect(watch.aborts).toBeGreaterThanOrEqual(1);
  watch.last.done(null);
  await Promise.resolve();
  expect(watch.calls).toHaveLength(1);
});
