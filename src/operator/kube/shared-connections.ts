// One pool of keep-alive connections for every API request of the operator (#14). client-node 2.0
// builds a new undici Agent for each request (KubeConfig.applySecurityAuthentication ->
// createDispatcher), so each request opened a TLS connection of its own: a full handshake per request
// on both ends, and an idle TLS connection (native buffers, outside the V8 heap) per recent request
// until undici's keep-alive timeout closed it. At 1,000 bots that was thousands of handshakes on a
// cold start and most of the operator's resident memory.
//
// The first Agent made is kept and handed to every later request (watches included); the fresh one
// each request brings is closed unused. Our own kube-access.ts hands the same Agent every time (and a
// new one once it is closed): that one is the pool, never closed here. A pooled connection can die silently (a network black hole):
// when a watch goes silent, resetSharedConnections() starts a new pool for every later request (the
// old one is closed gracefully: live watches on it go on until they end), as client-go drops its
// idle connections after a failed watch. Its TLS settings (CA, client certificate) are those of the
// first request: a kubeconfig whose client certificate changes needs a restart (a service account
// token is a header, read afresh per request, and is not affected).
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from './kube-access.ts';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const resets = new WeakMap<object, () => void>();

/**
 * A KubeConfig that behaves as `kubeConfig` (same clusters, users and any subclass behaviour; the
 * original is not modified) but sends every request over one shared connection pool.
 */
export function withSharedConnections<T extends KubeAccess>(kubeConfig: T): T {
  const shared = Object.create(kubeConfig) as T;
  let pool: Dispatcher | undefined;
  resets.set(shared, () => {
    const old = pool;
    pool = undefined;
    void old?.close().catch(() => undefined);
  });
  shared.applySecurityAuthentication = async (context: RequestContext) => {
    await kubeConfig.applySecurityAuthentication(context);
    const own = context.getDispatcher();
    if (!own) return; // plain HTTP without TLS settings: fetch's global pool already
    if (own === pool) return;
    if (!pool) {
      pool = own;
      return;
    }
    context.setDispatcher(pool);
    void own.close().catch(() => undefined);
  };
  return shared;
}

/**
 * Later requests of `kubeConfig` (or of a KubeConfig derived from it by Object.create, as
 * withRequestTimeout does) open fresh connections; no-op without a shared pool.
 */
export function resetSharedConnections(kubeConfig: KubeAccess): void {
  for (
    let config: object | null = kubeConfig;
    config;
    config = Object.getPrototypeOf(config) as object | null
  ) {
    const reset = resets.get(config);
    if (reset) return reset();
  }
}
