// How the operator reaches the API server, without client-node's KubeConfig (#14: memory). Loading
// KubeConfig loads client-node's whole generated API surface (config.js imports gen/index.js: every
// API group's three client layers, ~15 MB of source), ~28 MiB of the operator's resident set before
// it does anything. The operator needs two things of a kubeconfig: the server and, per request,
// credentials and TLS settings (what client-node's Watch and our kube-request.ts call). This loads
// them by hand for the two cases the operator runs in: a pod's service account, and a kubeconfig
// whose user is a client certificate or a bearer token (local runs, tests, the bench). Anything else
// (exec plugins, auth providers, proxies, merged KUBECONFIG lists) falls back to client-node's
// KubeConfig, which understands them all, at its memory cost.
import type { KubeConfig } from '@kubernetes/client-node';
import { readFileSync, existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { Agent, type Dispatcher } from 'undici';
import { parse } from 'yaml';

/** What the operator uses of a kubeconfig; client-node's KubeConfig is one (tests pass theirs). */
export type KubeAccess = Pick<KubeConfig, 'applySecurityAuthentication' | 'getCurrentCluster'>;

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type Cluster = NonNullable<ReturnType<KubeConfig['getCurrentCluster']>>;

/**
 * What undici's request() needs of a context the access has authenticated: its headers and, when the
 * access set one, its dispatcher (TLS settings and the shared connection pool). One place for
 * kube-request.ts and watch.ts.
 */
export function authenticatedRequestOptions(context: RequestContext): {
  headers: Record<string, string>;
  dispatcher?: Dispatcher;
} {
  const dispatcher = context.getDispatcher();
  return dispatcher ? { headers: context.getHeaders(), dispatcher } : { headers: context.getHeaders() };
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A projected service account token is rotated on disk: re-read it this often, as client-go does. */
const TOKEN_REREAD_MS = 60_000;

export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  skipTLSVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  tokenFile?: string;
}

/**
 * A KubeAccess from explicit credentials: a bearer token (or a file holding one, re-read every
 * minute) and/or a client certificate, over TLS verified against `ca`.
 */
export function credentialsAccess(credentials: Credentials): KubeAccess {
  const cluster: Cluster = {
    name: 'cluster',
    server: credentials.server,
    skipTLSVerify: credentials.skipTLSVerify ?? false,
    tlsServerName: credentials.tlsServerName,
  };
  let token = credentials.token;
  let tokenReadAt = 0;
  const currentToken = (): string | undefined => {
    if (!credentials.tokenFile) return token;
    if (Date.now() - tokenReadAt >= TOKEN_REREAD_MS) {
      token = readFileSync(credentials.tokenFile, 'utf8').trim();
      tokenReadAt = Date.now();
    }
    return token;
  };
  const https = credentials.server.startsWith('https:');
  // One Agent for every request (#14: CPU): client-node makes one per request, and each one closed
  // unused cost a ClientDestroyedError with its stack. A new one only once it is closed: what
  // resetSharedConnections does to a pool that may hold a dead connection. HTTP/2 as undici 8
  // negotiates it: one connection for the watches and the requests. HTTP/1.1 cost ~0.15 ms less CPU
  // per request, but a connection per watch and per request in flight put ~6 MiB more on the peak RSS
  // at 1,000 bots (147.1 MiB, against a goal of 150).
  let agent: Agent | undefined;
  const pool = (): Agent => {
    if (!agent || agent.closed || agent.destroyed) {
      agent = new Agent({
        connect: {
          ca: credentials.ca,
          cert: credentials.cert,
          key: credentials.key,
          rejectUnauthorized: !cluster.skipTLSVerify,
          servername: credentials.tlsServerName,
        },
      });
    }
    return agent;
  };
  return {
    getCurrentCluster: () => cluster,
    applySecurityAuthentication: async (context: RequestContext) => {
      const bearer = currentToken();
      if (bearer) context.setHeaderParam('Authorization', `Bearer ${bearer}`);
      if (https) context.setDispatcher(pool());
    },
  };
}

/** The pod's service account (KUBERNETES_SERVICE_HOST/PORT, its token and CA), as client-node loads it. */
export function inClusterAccess(env = process.env, root = SERVICE_ACCOUNT): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return credentialsAccess({
    server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ca: readFileSync(join(root, 'ca.crt')),
    tokenFile: join(root, 'token'),
  });
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster?: Record<string, unknown> }[];
  users?: { name: string; user?: Record<string, unknown> }[];
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
}

const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
]);
const USER_FIELDS = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
]);

/**
 * The current context of a kubeconfig file, when its cluster and user use only the fields above;
 * undefined otherwise (exec plugins, auth providers, basic auth, proxies: client-node's job).
 */
export function kubeconfigFileAccess(path: string): KubeAccess | undefined {
  const config = parse(readFileSync(path, 'utf8')) as KubeconfigFile | null;
  const context = config?.contexts?.find((c) => c.name === config['current-context'])?.context;
  const cluster = config?.clusters?.find((c) => c.name === context?.cluster)?.cluster;
  const user = config?.users?.find((u) => u.name === context?.user)?.user ?? {};
  if (!cluster || typeof cluster.server !== 'string') return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_FIELDS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_FIELDS.has(k))) return undefined;
  // Relative paths are relative to the kubeconfig file, as kubectl reads them.
  const file = (value: unknown) =>
    typeof value === 'string'
      ? readFileSync(isAbsolute(value) ? value : join(dirname(path), value))
      : undefined;
  const data = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64') : undefined);
  const tokenFile = user.tokenFile;
  return credentialsAccess({
    server: cluster.server,
    ca: data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: data(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: data(user['client-key-data']) ?? file(user['client-key']),
    skipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    token: typeof user.token === 'string' ? user.token : undefined,
    tokenFile:
      typeof tokenFile === 'string'
        ? isAbsolute(tokenFile)
          ? tokenFile
          : join(dirname(path), tokenFile)
        : undefined,
  });
}

/**
 * KUBECONFIG, ~/.kube/config or the in-cluster service account, in client-node's (and kubectl's)
 * order; client-node's KubeConfig for what kubeconfigFileAccess does not handle.
 */
export async function defaultKubeAccess(env = process.env): Promise<KubeAccess> {
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  // HOME as client-node reads it (os.homedir() throws for a uid without a passwd entry, as in the image).
  const home = env.HOME ? join(env.HOME, '.kube', 'config') : undefined;
  const file = files.length > 0 ? files : home && existsSync(home) ? [home] : [];
  if (file.length === 1) {
    const access = kubeconfigFileAccess(file[0] as string);
    if (access) return access;
  } else if (file.length === 0 && existsSync(join(SERVICE_ACCOUNT, 'token'))) {
    return inClusterAccess(env);
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  if (file.length === 0) {
    kubeConfig.loadFromDefault();
    return kubeConfig;
  }
  // The same files, merged as loadFromDefault merges a KUBECONFIG list.
  kubeConfig.loadFromFile(file[0] as string);
  for (const more of file.slice(1)) {
    const next = new KubeConfig();
    next.loadFromFile(more);
    kubeConfig.mergeConfig(next);
  }
  return kubeConfig;
}
