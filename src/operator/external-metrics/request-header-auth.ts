// Who may call the external metrics server: only the kube-apiserver's aggregator, recognised by the
// client certificate it presents (--proxy-client-cert-file), which must chain to the request-header CA
// and, when the cluster lists any, carry one of the allowed common names. Both come from the ConfigMap
// kube-system/extension-apiserver-authentication, readable through the built-in Role
// extension-apiserver-authentication-reader.
//
// No delegated authorization (SubjectAccessReview): the kube-apiserver has already authorized the
// caller's `get` on external.metrics.k8s.io before proxying, and the figures are not sensitive beyond
// that, so the operator needs no system:auth-delegator binding.
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeAccess } from '../kube/kube-access.ts';
import { kubeRequest, objectPath } from '../kube/kube-request.ts';

export const AUTHENTICATION_CONFIGMAP = {
  namespace: 'kube-system',
  name: 'extension-apiserver-authentication',
};

export interface RequestHeaderAuth {
  /** PEM bundle the client certificate must chain to. */
  clientCa: string;
  /** Common names allowed to act as the front proxy; empty: any certificate signed by the CA. */
  allowedNames: string[];
  /** Headers carrying the end user the aggregator authenticated (for logs). */
  usernameHeaders: string[];
}

export function parseRequestHeaderAuth(data: Record<string, string> | undefined): RequestHeaderAuth {
  const clientCa = data?.['requestheader-client-ca-file'];
  if (!clientCa) {
    throw new Error(
      `${AUTHENTICATION_CONFIGMAP.namespace}/${AUTHENTICATION_CONFIGMAP.name} has no requestheader-client-ca-file: is the aggregation layer enabled (--requestheader-client-ca-file)?`,
    );
  }
  const list = (key: string): string[] => {
    const raw = data?.[key];
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  };
  return {
    clientCa,
    allowedNames: list('requestheader-allowed-names'),
    usernameHeaders: list('requestheader-username-headers'),
  };
}

export async function readRequestHeaderAuth(kubeConfig: KubeAccess): Promise<RequestHeaderAuth> {
  const { namespace, name } = AUTHENTICATION_CONFIGMAP;
  const configMap = await kubeRequest<V1ConfigMap>(kubeConfig, {
    method: 'GET',
    path: objectPath('v1', 'ConfigMap', namespace, name),
  });
  return parseRequestHeaderAuth(configMap.data);
}

export type AuthResult = { ok: true; proxy: string } | { ok: false; code: 401 | 403; message: string };

/**
 * Checks the TLS peer of a request. The server requests a certificate and verifies it against the CA
 * (socket.authorized), but does not reject the handshake, so health probes need none and callers get
 * a Status instead of a TLS alert.
 */
export function authenticatePeer(socket: TLSSocket, auth: RequestHeaderAuth): AuthResult {
  const peer: PeerCertificate | undefined = socket.getPeerCertificate();
  if (!peer || !peer.subject) {
    return {
      ok: false,
      code: 401,
      message: 'a client certificate from the API server aggregator is required',
    };
  }
  if (!socket.authorized) {
    return {
      ok: false,
      code: 401,
      message: `client certificate not signed by the request-header CA: ${String(socket.authorizationError)}`,
    };
  }
  return checkCommonName(commonName(peer), auth.allowedNames);
}

export function checkCommonName(cn: string | undefined, allowedNames: readonly string[]): AuthResult {
  if (allowedNames.length && !allowedNames.includes(cn ?? '')) {
    return {
      ok: false,
      code: 403,
      message: `client certificate CN "${cn ?? ''}" is not an allowed front proxy (${allowedNames.join(', ')})`,
    };
  }
  return { ok: true, proxy: cn ?? '' };
}

function commonName(peer: PeerCertificate): string | undefined {
  const cn = (peer.subject as unknown as Record<string, string | string[]>).CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
