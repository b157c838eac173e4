// #14: the operator's port of client-node's Watch (watch.ts), against a real HTTPS server standing in
// for the API server, through a KubeAccess as the operator builds it: the request carries watch=true,
// the query and the credentials; events split across TCP writes arrive whole and in order, a line that
// is not JSON is skipped, `done` comes once when the stream ends; an error status, an inactivity
// timeout and abort() end the watch as client-node's did. (Why the port: bundled-undici.test.ts.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { credentialsAccess } from '../../../src/operator/kube/kube-access.ts';
import { withSharedConnections } from '../../../src/operator/kube/shared-connections.ts';
import { Watch } from '../../../src/operator/kube/watch.ts';
import { makeServingCert } from '../../cluster/certs.ts';
import { waitFor } from '../../support/wait-for.ts';

let dir: string;
let server: Server;
let watch: Watch;
const requests: { url: string; authorization?: string }[] = [];
/** What the server does with the next watch request. */
let respond: (res: ServerResponse) => void = () => undefined;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'watch-'));
  const cert = makeServingCert(dir, 'localhost', ['localhost']);
  server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    open.add(res);
    res.on('close', () => open.delete(res));
    respond(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const access = credentialsAccess({
    server: `https://localhost:${(server.address() as AddressInfo).port}`,
    ca: Buffer.from(cert.caPem),
    token: 'secret-token',
  });
  watch = new Watch(withSharedConnections(access));
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  events: [string, unknown][];
  done: unknown[];
  controller: AbortController;
}

async function startWatch(query: Record<string, string> = {}): Promise<Run> {
  const run = { events: [], done: [] } as unknown as Run;
  run.controller = await watch.watch(
    '/api/v1/namespaces/ns/pods',
    query,
    (phase, object) => run.events.push([phase, object]),
    (error) => run.done.push(error),
  );
  return run;
}

const line = (type: string, name: string) =>
  JSON.stringify({ type, object: { metadata: { name, resourceVersion: name } } }) + '\n';

it('sends watch=true, the query and the credentials; delivers whole events in order; done once at the end', async () => {
  respond = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const first = line('ADDED', 'a');
    // One event split across writes, two in one write, and a line that is not JSON.
    res.write(first.slice(0, 10));
    setTimeout(() => {
      res.write(first.slice(10) + line('MODIFIED', 'a') + 'not json\n');
      setTimeout(() => res.end(line('DELETED', 'a')), 20);
    }, 20);
  };
  const run = await startWatch({ resourceVersion: '41', labelSelector: 'app=x' });
  await waitFor(
    () => run.done.length,
    (n) => n > 0,
    { timeoutMs: 5000, what: 'the watch to end' },
  );
  const request = requests.at(-1);
  const url = new URL(request?.url ?? '', 'https://localhost');
  expect(url.pathname).toBe('/api/v1/namespaces/ns/pods');
  expect(Object.fromEntries(url.searchParams)).toEqual({
    watch: 'true',
    resourceVersion: '41',
    labelSelector: 'app=x',
  });
  expect(request?.authorization).toBe('Bearer secret-token');
  expect(
    run.events.map(([phase, o]) => `${phase} ${(o as { metadata: { name: string } }).metadata.name}`),
  ).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  expect(run.done).toEqual([null]);
});

it('ends with the status code when the server refuses the watch (410 Gone re-lists)', async () => {
  respond = (res) => res.writeHead(410, 'Gone').end();
  const run = await startWatch();
  expect(run.done).toHaveLength(1);
  expect(run.done[0]).toMatchObject({ statusCode: 410, message: 'Gone' });
});

it('ends with a TimeoutError after requestTimeoutMs without a byte', async () => {
  respond = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(line('ADDED', 'b'));
  };
  watch.requestTimeoutMs = 300;
  try {
    const run = await startWatch();
    await waitFor(
      () => run.done.length,
      (n) => n > 0,
      { timeoutMs: 5000, what: 'the inactivity timeout' },
    );
    expect(run.events.map(([phase]) => phase)).toEqual(['ADDED']);
    expect(run.done).toHaveLength(1);
    expect((run.done[0] as Error).name).toBe('TimeoutError');
  } finally {
    watch.requestTimeoutMs = 30_000;
  }
});

it('abort() ends the stream and calls done once', async () => {
  respond = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(line('ADDED', 'c'));
  };
  const run = await startWatch();
  await waitFor(
    () => run.events.length,
    (n) => n > 0,
    { timeoutMs: 5000, what: 'the first event' },
  );
  run.controller.abort();
  await waitFor(
    () => run.done.length,
    (n) => n > 0,
    { timeoutMs: 5000, what: 'done after abort' },
  );
  await waitFor(
    () => open.size,
    (n) => n === 0,
    { timeoutMs: 5000, what: 'the server to see the stream closed' },
  );
  expect(run.done).toHaveLength(1);
});
