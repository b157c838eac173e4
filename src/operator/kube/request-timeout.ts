// A bound on every non-watch API request. client-node sets no timeout: on a half-dead connection
// undici waits up to 300 s for response headers, and a reconcile holding a bot's key waits with it.
//
// Every request client-node makes (generated APIs, KubernetesObjectApi, Watch) passes its
// RequestContext through the KubeConfig's applySecurityAuthentication, and the generated clients
// hand the context's signal to fetch, which aborts the whole exchange (headers and body) with it.
// Watches are left alone: Watch ignores the context's signal and has its own inactivity timeout,
// and a watch is meant to stay open.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from './kube-access.ts';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/** Watch requests (`?watch=true` or `=1`), which stay open on purpose. */
export function isWatchRequest(url: string): boolean {
  return /[?&]watch=(true|1)(&|$)/.test(url);
}

/**
 * A KubeConfig that behaves as `kubeConfig` (same clusters, users, and any subclass behaviour, the
 * original is not modified) but gives every non-watch request an AbortSignal.timeout(timeoutMs),
 * unless the caller set a signal already. The request then fails with a TimeoutError (transient).
 */
export function withRequestTimeout<T extends KubeAccess>(kubeConfig: T, timeoutMs: number): T {
  const bounded = Object.create(kubeConfig) as T;
  bounded.applySecurityAuthentication = async (context: RequestContext) => {
    await kubeConfig.applySecurityAuthentication(context);
    if (!context.getSignal() && !isWatchRequest(context.getUrl())) {
      context.setSignal(AbortSignal.timeout(timeoutMs));
    }
  };
  return bounded;
}
