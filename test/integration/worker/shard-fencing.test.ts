// Warehouse shards (#13): a worker frozen (SIGSTOP: a long GC pause, a frozen VM) past its lease loses
// its shard to another worker; when it wakes it makes no further call for its old batch (the local
// fence: the lease, as last renewed, no longer outlives a call) and acknowledges nothing. Order and
// exactly-once hold across the hand-over.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useQueueHarness } from '../../support/queue-harness.ts';
import { exactlyOnceViolations } from '../../support/queue-fixture.ts';
import { orderViolations } from '../../support/sku-order-check.ts';
import { waitFor } from '../../support/wait-for.ts';

const h = useQueueHarness();

/** An HTTP pass-through to the simulator that notes when each request arrived: the frozen worker's calls. */
async function startCountingProxy(target: string) {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(Date.now());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      fetch(`${target}${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        body: Buffer.concat(chunks),
      })
        .then(async (answer) => {
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a frozen owner loses its shard; awake again it makes no call for its old batch', async () => {
  const rig = await h.startWorkerRig({
    label: 'shard-fence',
    simulator: { faults: { failureRate: 0 }, latency: { medianMs: 15, p95Ms: 30, maxMs: 100 } },
    config: {
      queue: { claimIdleSeconds: 2, shards: 1 },
      concurrency: { itemsPerBatch: 2 },
      upstream: { timeoutMs: 500 },
    },
    // One warehouse, few SKUs, 8–12 items a batch: a batch takes several rounds of calls.
    workload: { batches: 150, warehouses: 1, minItems: 8, maxItems: 12 },
  });
  const { sim, config, batches, keys } = rig;
  const proxy = await startCountingProxy(sim.url);
  const frozen = await rig.startWorker('frozen', {
    config: { ...config, upstream: { ...config.upstream, primaryUrl: proxy.url } },
  });
  await waitFor(
    () => sim.ledger.summary().applied,
    (n) => n >= 100,
    { timeoutMs: 20_000, what: 'the first owner under way' },
  );
  frozen.kill('SIGSTOP');
  const other = await rig.startWorker('other');
  // The lease (TTL 2.5 s) expires and the other worker takes the shard and gets on with it.
  await waitFor(
    () => other.logs.some((l) => l.event === 'batch_complete'),
    (done) => done,
    { timeoutMs: 20_000, what: 'the other worker completing a batch on the shard' },
  );
  const woke = frozen.logs.length;
  const wokeAt = Date.now();
  frozen.kill('SIGCONT');
  await waitFor(
    () => frozen.logs.slice(woke).some((l) => l.event === 'shard_lost' || l.event === 'shard_released'),
    (seen) => seen,
    { timeoutMs: 10_000, what: 'the woken worker noticing it lost the shard' },
  );
  await rig.settled(60_000);

  await proxy.close();
  // Awake, the old owner made no call at all (its calls in flight when frozen had arrived long before),
  // and ended its batch as INTERRUPTED, never by completing it.
  expect(proxy.arrivals.filter((t) => t >= wokeAt)).toEqual([]);
  const after = frozen.logs
    .slice(woke)
    .filter((l) => l.event === 'batch_complete' || l.event === 'batch_error');
  expect(after.filter((l) => l.error_code !== 'INTERRUPTED')).toEqual([]);
  expect(exactlyOnceViolations([sim.ledger], keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(orderViolations(sim.ledger, batches)).toEqual({ outOfOrder: [], wrongStock: [] });
});
