// #14: every API request of the operator goes over one pool of keep-alive connections. client-node
// 2.0 alone opens a TLS connection per request (a handshake each, and idle connections holding native
// memory). A real HTTPS server with a certificate of a test CA counts the TLS connections it accepts.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withSharedConnections } from '../../../src/operator/kube/shared-connections.ts';
import { makeServingCert } from '../../cluster/certs.ts';

let dir: string;
let server: Server;
let connections = 0;
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shared-connections-'));
  const cert = makeServingCert(dir, 'localhost', ['localhost']);
  caPem = cert.caPem;
  server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: 'test',
        server: `https://localhost:${(server.address() as AddressInfo).port}`,
        caData: Buffer.from(caPem).toString('base64'),
      },
    ],
    users: [{ name: 'test', token: 'not-checked' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return config;
}

/** TLS connections the server accepted for 20 sequential requests, then for 5 concurrent ones more. */
async function connectionsFor(config: KubeConfig): Promise<{ sequential: number; total: number }> {
  const before = connections;
  const core = config.makeApiClient(CoreV1Api);
  for (let i = 0; i < 20; i++) await core.listNamespace();
  const sequential = connections - before;
  await Promise.all(Array.from({ length: 5 }, () => core.listNamespace()));
  return { sequential, total: connections - before };
}

it('client-node alone opens a TLS connection per request (what the pool fixes)', async () => {
  expect(await connectionsFor(kubeConfig())).toEqual({ sequential: 20, total: 25 });
});

it('with the shared pool, requests reuse keep-alive connections', async () => {
  const { sequential, total } = await connectionsFor(withSharedConnections(kubeConfig()));
  // undici may open a second connection when a request follows the previous one within the same tick
  // (the first is not yet marked idle); after that the two are reused.
  expect(sequential).toBeGreaterThanOrEqual(1);
  expect(sequential).toBeLessThanOrEqual(2);
  // Concurrent requests each need a connection of their own: at most 5 more, never one per request.
  expect(total).toBeLessThanOrEqual(sequential + 5);
});
