import { CoreV1Api, HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { createServer, type Server, type Socket } from 'node:net';
import { isWatchRequest, withRequestTimeout } from '../../../src/operator/kube/request-timeout.ts';

/** A peer that accepts connections and reads, but never answers: a half-dead API server. */
let server: Server;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function silentPeerConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'silent', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'x' }],
    contexts: [{ name: 'silent', cluster: 'silent', user: 'nobody' }],
    currentContext: 'silent',
  });
  return kubeConfig;
}

const settledWithin = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms).unref()),
  ]);

describe('withRequestTimeout', () => {
  it('fails a request to a server that accepts but never answers within the bound', async () => {
    const core = withRequestTimeout(silentPeerConfig(), 300).makeApiClient(CoreV1Api);
    const started = performance.now();
    const outcome = await settledWithin(core.listNamespace(), 5_000);
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ name: 'TimeoutError' });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('is needed: without it the same request is still waiting', async () => {
    const pending = silentPeerConfig().makeApiClient(CoreV1Api).listNamespace();
    pending.catch(() => {}); // rejected when the peer's sockets are destroyed at the end
    expect(await settledWithin(pending, 1_000)).toBe('still waiting');
  });

  it('leaves watches, and requests that bring their own signal, alone; keeps the original config', async () => {
    const original = silentPeerConfig();
    const bounded = withRequestTimeout(original, 300);
    const context = (url: string) => new RequestContext(url, HttpMethod.GET);
    const base = `http://127.0.0.1:${port}/api/v1/namespaces/a/configmaps`;

    const list = context(base);
    await bounded.applySecurityAuthentication(list);
    expect(list.getSignal()).toBeInstanceOf(AbortSignal);
    expect(list.getHeaders().Authorization).toBe('Bearer x');

    const watch = context(`${base}?labelSelector=a%3Db&watch=true&resourceVersion=1`);
    await bounded.applySecurityAuthentication(watch);
    expect(watch.getSignal()).toBeUndefined();

    const own = new AbortController().signal;
    const withSignal = context(base);
    withSignal.setSignal(own);
    await bounded.applySecurityAuthentication(withSignal);
    expect(withSignal.getSignal()).toBe(own);

    const unbounded = context(base);
    await original.applySecurityAuthentication(unbounded);
    expect(unbounded.getSignal()).toBeUndefined();
    expect(bounded.getCurrentCluster()?.server).toBe(original.getCurrentCluster()?.server);
  });

  it('recognizes watch URLs only', () => {
    expect(isWatchRequest('https://k/api/v1/pods?watch=true')).toBe(true);
    expect(isWatchRequest('https://k/api/v1/pods?labelSelector=x&watch=1&allowWatchBookmarks=true')).toBe(
      true,
    );
    expect(isWatchRequest('https://k/api/v1/pods?watch=false')).toBe(false);
    expect(isWatchRequest('https://k/api/v1/namespaces/watch/pods')).toBe(false);
    expect(isWatchRequest('https://k/api/v1/pods?labelSelector=watch%3Dtrue')).toBe(false);
  });
});
