// The worker's Lua scripts go to Redis by SHA1 (#12: the finish script's source went with every batch),
// with EVAL only when Redis does not know the script (NOSCRIPT: first use, a restart, SCRIPT FLUSH).
// Real Redis; INFO commandstats counts what reached it.
import { StreamQueue } from '../../../src/worker/stream-queue.ts';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { uniqueNames } from '../../support/queue-fixture.ts';

const h = useQueueHarness();

/** Successful calls of EVAL and EVALSHA so far on this file's Redis. */
async function scriptCalls(): Promise<{ eval: number; evalsha: number }> {
  const info = await h.client.info('commandstats');
  const calls = (command: string) => {
    const line = info.split('\n').find((l) => l.startsWith(`cmdstat_${command}:`));
    const match = /calls=(\d+).*failed_calls=(\d+)/.exec(line ?? '');
    return match ? Number(match[1]) - Number(match[2]) : 0;
  };
  return { eval: calls('eval'), evalsha: calls('evalsha') };
}

test('finish sends its script by SHA1, and by source only when Redis has not cached it', async () => {
  const names = uniqueNames('lua-sha');
  const queue = new StreamQueue(h.client, h.client, { ...names, consumer: 'c1', markerTtlSeconds: 60 });
  await queue.ensureGroup();
  for (let i = 0; i < 4; i++) await h.client.xAdd(names.stream, '*', { batch: '{}' });
  const ids = (await queue.read(4, 100)).map((e) => e.id);
  expect(ids).toHaveLength(4);
  const pending = async () =>
    (await h.client.xPending(names.stream, names.consumerGroup)).pending as unknown as number;
  const finish = async (id: string) => {
    const at = await scriptCalls();
    await queue.finish(id, [{ key: `test:lua-sha:${id}`, value: 'v' }], []);
    const after = await scriptCalls();
    return { eval: after.eval - at.eval, evalsha: after.evalsha - at.evalsha };
  };

  await h.client.scriptFlush();
  // First use: EVALSHA answers NOSCRIPT, EVAL runs it and caches it; then EVALSHA alone.
  expect(await finish(ids[0] as string)).toEqual({ eval: 1, evalsha: 0 });
  expect(await finish(ids[1] as string)).toEqual({ eval: 0, evalsha: 1 });
  expect(await finish(ids[2] as string)).toEqual({ eval: 0, evalsha: 1 });
  // Redis lost its script cache (a restart, a failover): the next finish still acknowledges.
  await h.client.scriptFlush();
  expect(await finish(ids[3] as string)).toEqual({ eval: 1, evalsha: 0 });
  expect(await pending()).toBe(0);
  expect(await h.client.get(`test:lua-sha:${ids[3]}`)).toBe('v');
});
