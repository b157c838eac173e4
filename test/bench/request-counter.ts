// Counts the API requests a KubeConfig makes (generated APIs, KubernetesObjectApi and watches all pass
// through applySecurityAuthentication), by kind, in constant memory: the operator bench runs it inside
// the operator's own process, whose peak RSS it reports (#14). It wraps a KubeConfig or the operator's
// KubeAccess without importing client-node's KubeConfig: in the operator's process that import alone
// would load client-node's whole generated API surface the operator no longer loads.
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from '../../src/operator/kube/kube-access.ts';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

export interface RequestCounts {
  reads: number;
  watches: number;
  /** POST, PUT, PATCH, DELETE. */
  writes: number;
  byMethod: Record<string, number>;
  /** `METHOD path` of the first writes (at most WRITES_KEPT), to tell what was written. */
  writeTargets: string[];
}

const WRITES_KEPT = 100;

export const noRequests = (): RequestCounts => ({
  reads: 0,
  watches: 0,
  writes: 0,
  byMethod: {},
  writeTargets: [],
});

export const isWatchUrl = (url: string): boolean => /[?&]watch=(true|1)(&|$)/.test(url);

export class RequestCounter {
  private counts = noRequests();

  /** `access` with every request it makes counted here (the original is not modified). */
  wrap<T extends KubeAccess>(access: T): T {
    const counted = Object.create(access) as T;
    counted.applySecurityAuthentication = async (context: RequestContext) => {
      this.count(String(context.getHttpMethod()), context.getUrl());
      return access.applySecurityAuthentication(context);
    };
    return counted;
  }

  /** The counts since the last take(), and starts counting afresh. */
  take(): RequestCounts {
    const counts = this.counts;
    this.counts = noRequests();
    return counts;
  }

  private count(method: string, url: string): void {
    const c = this.counts;
    c.byMethod[method] = (c.byMethod[method] ?? 0) + 1;
    if (method === 'GET') {
      if (isWatchUrl(url)) c.watches++;
      else c.reads++;
      return;
    }
    c.writes++;
    if (c.writeTargets.length < WRITES_KEPT) c.writeTargets.push(`${method} ${new URL(url).pathname}`);
  }
}
