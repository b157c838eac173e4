import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  user?: string;
}

/** A kubeconfig with one cluster, one user (client certificate or token) and one current context. */
export function kubeconfigYaml(input: KubeconfigInput): string {
  const user = input.user ?? 'admin';
  const credentials = input.token
    ? { token: input.token }
    : { 'client-certificate': input.clientCert, 'client-key': input.clientKey };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'inventorybot-local',
        cluster: { server: input.server, 'certificate-authority': input.caCert },
      },
    ],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: `${user}@inventorybot-local`, context: { cluster: 'inventorybot-local', user } }],
    'current-context': `${user}@inventorybot-local`,
  });
}
