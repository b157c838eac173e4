// #14: the operator reaches the API server without client-node's KubeConfig and generated clients
// (they load ~28 MiB of generated code). A real HTTPS server with a certificate of a test CA stands in
// for the API server: it records what each request carried and serves lists in pages.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { apiMessage, httpStatusOf, isNotFound } from '../../../src/operator/errors.ts';
import { KubeConfig } from '@kubernetes/client-node';
import {
  defaultKubeAccess,
  inClusterAccess,
  kubeconfigFileAccess,
  type KubeAccess,
} from '../../../src/operator/kube/kube-access.ts';
import { kubeRequest, objectPath } from '../../../src/operator/kube/kube-request.ts';
import { listInPages } from '../../../src/operator/kube/resource-cache.ts';
import {
  resetSharedConnections,
  withSharedConnections,
} from '../../../src/operator/kube/shared-connections.ts';
import { makeServingCert } from '../../cluster/certs.ts';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

let dir: string;
let server: Server;
let caFile: string;
let server_: string;
let connections = 0;
const seen: Seen[] = [];
/** The collection /api/v1/namespaces/ns/pods holds pod-0..pod-6, served `limit` at a time. */
const PODS = Array.from({ length: 7 }, (_, i) => ({
  metadata: { name: `pod-${i}`, namespace: 'ns', managedFields: [{ manager: 'x' }] },
  spec: { big: 'x'.repeat(100) },
}));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-access-'));
  const cert = makeServingCert(dir, 'localhost', ['localhost']);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert.caPem);
  server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const url = new URL(req.url ?? '/', 'https://localhost');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/api/v1/namespaces/ns/pods') {
        const limit = Number(url.searchParams.get('limit'));
        const from = Number(url.searchParams.get('continue') ?? 0);
        const next = from + limit < PODS.length ? String(from + limit) : undefined;
        const items = PODS.slice(from, from + limit).map((pod) => structuredClone(pod));
        res.end(JSON.stringify({ metadata: { resourceVersion: '42', continue: next }, items }));
      } else if (url.pathname.endsWith('/missing')) {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', code: 404, message: 'configmaps "missing" not found' }));
      } else {
        res.end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'found' }, data: { a: 'b' } }));
      }
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server_ = `https://localhost:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => (seen.length = 0));

function kubeconfigFile(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // A relative CA path: relative to the kubeconfig file, as kubectl reads it.
      clusters: [{ name: 'c', cluster: { server: server_, 'certificate-authority': 'ca.pem', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    }),
  );
  return path;
}

const read = (access: KubeAccess, name: string) =>
  kubeRequest<{ data: Record<string, string> }>(access, {
    method: 'GET',
    path: objectPath('v1', 'ConfigMap', 'ns', name),
  });

it('a kubeconfig with a token: TLS verified against its CA, the token sent as a bearer', async () => {
  const access = kubeconfigFileAccess(kubeconfigFile({ token: 'secret-token' }));
  expect(access).toBeDefined();
  expect((await read(access as KubeAccess, 'found')).data).toEqual({ a: 'b' });
  expect(seen).toEqual([
    expect.objectContaining({
      method: 'GET',
      url: '/api/v1/namespaces/ns/configmaps/found',
      authorization: 'Bearer secret-token',
    }),
  ]);
});

it('a server whose certificate the CA did not sign is refused', async () => {
  mkdirSync(join(dir, 'other'));
  const wrongCa = makeServingCert(join(dir, 'other'), 'localhost', ['localhost']).caPem;
  writeFileSync(join(dir, 'wrong-ca.pem'), wrongCa);
  const access = kubeconfigFileAccess(
    kubeconfigFile({ token: 't' }, { 'certificate-authority': 'wrong-ca.pem' }),
  ) as KubeAccess;
  await expect(read(access, 'found')).rejects.toThrow();
  expect(seen).toEqual([]);
});

it('users it cannot serve (exec plugins, auth providers) are left to client-node', () => {
  expect(kubeconfigFileAccess(kubeconfigFile({ exec: { command: 'get-token' } }))).toBeUndefined();
  expect(kubeconfigFileAccess(kubeconfigFile({ 'auth-provider': { name: 'oidc' } }))).toBeUndefined();
  expect(kubeconfigFileAccess(kubeconfigFile({ token: 't' }, { 'proxy-url': 'http://p' }))).toBeUndefined();
});

it('KUBECONFIG is read by hand when it can be, else by client-node', async () => {
  const simple = await defaultKubeAccess({ KUBECONFIG: kubeconfigFile({ token: 't' }) });
  expect(simple).not.toBeInstanceOf(KubeConfig);
  await read(simple, 'found');
  expect(seen.map((s) => s.authorization)).toEqual(['Bearer t']);
  const exec = await defaultKubeAccess({ KUBECONFIG: kubeconfigFile({ exec: { command: 'get-token' } }) });
  expect(exec).toBeInstanceOf(KubeConfig);
  expect(exec.getCurrentCluster()?.server).toBe(server_);
});

it('an error status is an ApiException with the code and the Status message errors.ts reads', async () => {
  const access = kubeconfigFileAccess(kubeconfigFile({ token: 't' })) as KubeAccess;
  const error: unknown = await read(access, 'missing').catch((e: unknown) => e);
  expect(httpStatusOf(error)).toBe(404);
  expect(isNotFound(error)).toBe(true);
  expect(apiMessage(error)).toBe('configmaps "missing" not found');
});

it('a write sends the body with its content type and the query', async () => {
  const access = kubeconfigFileAccess(kubeconfigFile({ token: 't' })) as KubeAccess;
  await kubeRequest(access, {
    method: 'PATCH',
    path: objectPath('apps/v1', 'Deployment', 'ns', 'web'),
    query: { fieldManager: 'me', force: true, unset: undefined },
    body: { spec: { replicas: 1 } },
    contentType: 'application/apply-patch+yaml',
  });
  expect(seen).toEqual([
    {
      method: 'PATCH',
      url: '/apis/apps/v1/namespaces/ns/deployments/web?fieldManager=me&force=true',
      authorization: 'Bearer t',
      contentType: 'application/apply-patch+yaml',
      body: '{"spec":{"replicas":1}}',
    },
  ]);
});

it('in a pod: the service account token and CA are read from their files', async () => {
  const root = mkdtempSync(join(dir, 'sa-'));
  writeFileSync(join(root, 'ca.crt'), readFileSync(caFile));
  writeFileSync(join(root, 'token'), 'first\n');
  const port = (server.address() as AddressInfo).port;
  const access = inClusterAccess(
    { KUBERNETES_SERVICE_HOST: 'localhost', KUBERNETES_SERVICE_PORT: String(port) },
    root,
  );
  await read(access, 'found');
  expect(seen.map((s) => s.authorization)).toEqual(['Bearer first']);
});

it('over the shared pool, sequential requests reuse keep-alive connections', async () => {
  const access = withSharedConnections(kubeconfigFileAccess(kubeconfigFile({ token: 't' })) as KubeAccess);
  const before = connections;
  for (let i = 0; i < 20; i++) await read(access, 'found');
  // One connection, or two when a request follows the previous one within the same tick.
  expect(connections - before).toBeGreaterThanOrEqual(1);
  expect(connections - before).toBeLessThanOrEqual(2);
});

it('after a reset of the pool, requests go on over a new connection (the closed one is not reused)', async () => {
  const access = withSharedConnections(kubeconfigFileAccess(kubeconfigFile({ token: 't' })) as KubeAccess);
  await read(access, 'found');
  const before = connections;
  resetSharedConnections(access);
  for (let i = 0; i < 5; i++) await read(access, 'found');
  expect(connections - before).toBeGreaterThanOrEqual(1);
  expect(connections - before).toBeLessThanOrEqual(2);
});

it('a list is read in pages, each trimmed, as one list at the snapshot resourceVersion', async () => {
  const access = kubeconfigFileAccess(kubeconfigFile({ token: 't' })) as KubeAccess;
  const trimmed: string[] = [];
  const list = await listInPages<{ metadata: { name: string }; spec?: unknown }>(
    access,
    '/api/v1/namespaces/ns/pods',
    'app=x',
    (pod) => {
      trimmed.push(pod.metadata.name);
      delete pod.spec;
    },
    3,
  );
  expect(list.items.map((pod) => pod.metadata.name)).toEqual(PODS.map((pod) => pod.metadata.name));
  expect(list.items.every((pod) => pod.spec === undefined)).toBe(true);
  expect(trimmed).toHaveLength(7);
  expect(list.metadata?.resourceVersion).toBe('42');
  expect(seen.map((s) => s.url)).toEqual([
    '/api/v1/namespaces/ns/pods?labelSelector=app%3Dx&limit=3',
    '/api/v1/namespaces/ns/pods?labelSelector=app%3Dx&limit=3&continue=3',
    '/api/v1/namespaces/ns/pods?labelSelector=app%3Dx&limit=3&continue=6',
  ]);
});
