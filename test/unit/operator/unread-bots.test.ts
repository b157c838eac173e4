// #14: a reconcile takes the bot the watch delivered instead of a GET, once per generation, and the
// cache holds a bot's spec and status only until then.
import type { KubernetesObject } from '@kubernetes/client-node';
import { UnreadBots } from '../../../src/operator/kube/unread-bots.ts';

const bot = (
  generation: number,
  uid = 'uid-1',
  status?: object,
): KubernetesObject & Record<string, unknown> => ({
  apiVersion: 'inventorybot.io/v1alpha1',
  kind: 'InventoryBot',
  metadata: {
    name: 'shop',
    namespace: 'stores',
    uid,
    generation,
    resourceVersion: `${generation}00`,
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  },
  spec: { queue: { redis: { url: 'redis://redis:6379' } } },
  ...(status ? { status } : {}),
});

it('hands a delivered generation to one reconcile, then keeps metadata only', () => {
  const unread = new UnreadBots();
  const cached = bot(1);
  unread.trim(cached);
  expect(cached.metadata?.managedFields).toBeUndefined();
  expect(cached.spec).toBeDefined();

  const taken = unread.take(cached);
  expect(taken?.spec).toEqual({ queue: { redis: { url: 'redis://redis:6379' } } });
  expect(taken?.metadata.resourceVersion).toBe('100');
  // Taken: the cache keeps the metadata only, and the next reconcile reads fresh.
  expect(cached.spec).toBeUndefined();
  expect(unread.take(cached)).toBeUndefined();
});

it('trims status-only updates of a taken generation (our own status writes), keeps a new generation', () => {
  const unread = new UnreadBots();
  const first = bot(1);
  unread.trim(first);
  unread.take(first);

  const statusWrite = bot(1, 'uid-1', { observedGeneration: 1 });
  unread.trim(statusWrite);
  expect(statusWrite.spec).toBeUndefined();
  expect(statusWrite.status).toBeUndefined();
  expect(unread.take(statusWrite)).toBeUndefined();

  const edited = bot(2, 'uid-1', { observedGeneration: 1 });
  unread.trim(edited);
  expect(unread.take(edited)?.status).toEqual({ observedGeneration: 1 });
});

it('treats a bot re-created under the same name as unread, and forgets deleted bots', () => {
  const unread = new UnreadBots();
  const first = bot(1);
  unread.trim(first);
  unread.take(first);

  const recreated = bot(1, 'uid-2');
  unread.trim(recreated);
  expect(unread.take(recreated)?.metadata.uid).toBe('uid-2');

  unread.forget(recreated);
  const again = bot(1, 'uid-2');
  unread.trim(again);
  expect(again.spec).toBeDefined();
});
