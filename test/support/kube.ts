// Kubernetes helpers for cluster tests: the admin client, the CRD, namespaces, and a kubeconfig for a
// ServiceAccount bound to exactly the operator's RBAC rules (the operator never runs as admin in tests).
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type KubernetesObject,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_FILE } from '../../src/api/crd-yaml.ts';
import { CRD_NAME } from '../../src/api/names.ts';
import { clusterInfo } from '../cluster/cluster-info.ts';
import { kubeconfigYaml } from '../cluster/kubeconfig.ts';
import { waitFor } from './wait-for.ts';

export { waitFor };

export const OPERATOR_RULES_FILE = 'charts/inventorybot-operator/files/operator-rules.yaml';
export const SECRET_RULES_FILE = 'charts/inventorybot-operator/files/secret-rules.yaml';
export const LEADER_ELECTION_RULES_FILE = 'charts/inventorybot-operator/files/leader-election-rules.yaml';
const TEST_FIELD_MANAGER = 'inventorybot-test';

/** Header options for a JSON merge patch (client-node's patch methods default to JSON patch). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function adminKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(clusterInfo().kubeconfigPath);
  return kubeConfig;
}

const isHttp = (error: unknown, code: number) => (error as { code?: number }).code === code;

/** Server-side applies an object as the test (not as the operator). */
export function applyAsTest<T extends KubernetesObject>(kubeConfig: KubeConfig, object: T): Promise<T> {
  return KubernetesObjectApi.makeApiClient(kubeConfig).patch(
    object,
    undefined,
    undefined,
    TEST_FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  ) as Promise<T>;
}

/**
 * Installs (or updates) the InventoryBot CRD from crds/ and waits until it is served. The YAML is sent
 * as is (an apply patch over HTTPS): client-node's serializer knows `x-kubernetes-validations` only as
 * `xKubernetesValidations` and silently drops every CEL rule of a plain object.
 */
export async function installCrd(kubeConfig: KubeConfig): Promise<void> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const options: RequestOptions = {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  const url = new URL(
    `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}?fieldManager=${TEST_FIELD_MANAGER}&force=true`,
  );
  await new Promise<void>((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        (res.statusCode ?? 0) < 300
          ? resolve()
          : reject(new Error(`CRD apply: HTTP ${res.statusCode} ${body}`)),
      );
    });
    req.on('error', reject);
    req.end(readFileSync(CRD_FILE, 'utf8'));
  });
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  await waitFor(
    () => api.readCustomResourceDefinition({ name: CRD_NAME }),
    (c) => (c.status?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True'),
    { timeoutMs: 30_000, what: `CRD ${CRD_NAME} established` },
  );
}

export async function ensureNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (error) {
    if (!isHttp(error, 409)) throw error;
  }
  // The service account admission needs the namespace's default ServiceAccount before pods are created.
  await waitFor(
    () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
    () => true,
    { timeoutMs: 30_000, what: `default ServiceAccount in ${name}` },
  );
}

export function readRules(file: string): V1PolicyRule[] {
  return parse(readFileSync(file, 'utf8')) as V1PolicyRule[];
}

/**
 * A ServiceAccount in `namespace` bound to the operator rules (ClusterRole) and the leader election
 * rules (Role in `namespace`); returns a kubeconfig using a TokenRequest token, also written to a file
 * for child processes.
 */
export async function operatorKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name = 'inventorybot-operator',
): Promise<{ kubeConfig: KubeConfig; path: string }> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const ignoreExists = (error: unknown) => {
    if (!isHttp(error, 409)) throw error;
  };
  const clusterRoleName = `${name}-${namespace}`;
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(ignoreExists);
  await rbac
    .createClusterRole({
      body: {
        metadata: { name: clusterRoleName },
        rules: [...readRules(OPERATOR_RULES_FILE), ...readRules(SECRET_RULES_FILE)],
      },
    })
    .catch(ignoreExists);
  await rbac
    .createClusterRoleBinding({
      body: {
        metadata: { name: clusterRoleName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    })
    .catch(ignoreExists);
  await rbac
    .createNamespacedRole({
      namespace,
      body: { metadata: { name: `${name}-leader-election` }, rules: readRules(LEADER_ELECTION_RULES_FILE) },
    })
    .catch(ignoreExists);
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: `${name}-leader-election` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    })
    .catch(ignoreExists);
  return serviceAccountKubeConfig(admin, namespace, name);
}

/** A kubeconfig for an existing ServiceAccount (a TokenRequest token), also written to a file. */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name: string,
): Promise<{ kubeConfig: KubeConfig; path: string }> {
  const core = admin.makeApiClient(CoreV1Api);
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = tokenRequest.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  const info = clusterInfo();
  const path = join(info.workDir, `kubeconfig-${name}-${namespace}.yaml`);
  writeFileSync(
    path,
    kubeconfigYaml({ server: info.server, caCert: info.caCertPath, token, user: `${name}-${namespace}` }),
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return { kubeConfig, path };
}

/** A user (ServiceAccount) whose only rights are `rules` in `namespace` (a Role, no cluster rights). */
export async function namespacedUserKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const ignoreExists = (error: unknown) => {
    if (!isHttp(error, 409)) throw error;
  };
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(ignoreExists);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } }).catch(ignoreExists);
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
    })
    .catch(ignoreExists);
  return (await serviceAccountKubeConfig(admin, namespace, name)).kubeConfig;
}

/** What every operator suite starts from: the CRD, its namespace, and the operator's ServiceAccount there. */
export async function prepareOperatorNamespace(
  namespace: string,
): Promise<{ admin: KubeConfig; kubeConfig: KubeConfig; path: string }> {
  const admin = adminKubeConfig();
  await installCrd(admin);
  await ensureNamespace(admin, namespace);
  return { admin, ...(await operatorKubeConfig(admin, namespace)) };
}
