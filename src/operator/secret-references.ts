// The Secrets a spec refers to, and what is wrong with them. Only `get` on single Secrets is needed
// (no list/watch: the operator never caches Secrets); a bot with a missing Secret is rechecked by
// requeueing it periodically while it is Degraded.
import type { V1Secret } from '@kubernetes/client-node';
import type { InventoryBotSpec } from '../api/inventory-bot.ts';
import { REASONS } from '../api/names.ts';
import { httpStatusOf, isNotFound } from './errors.ts';

export interface SecretReference {
  field: string;
  name: string;
  key: string;
}

export interface SecretProblem {
  reason: typeof REASONS.secretNotFound | typeof REASONS.secretKeyMissing | typeof REASONS.secretNotReadable;
  message: string;
}

export function secretReferences(spec: InventoryBotSpec): SecretReference[] {
  const refs: SecretReference[] = [];
  const redis = spec.queue.redis.secretRef;
  if (redis) refs.push({ field: 'spec.queue.redis.secretRef', ...redis });
  const token = spec.upstream.credentialsSecretRef;
  if (token) refs.push({ field: 'spec.upstream.credentialsSecretRef', ...token });
  return refs;
}

export async function findSecretProblems(
  namespace: string,
  refs: SecretReference[],
  readSecret: (namespace: string, name: string) => Promise<V1Secret>,
): Promise<SecretProblem[]> {
  const problems: SecretProblem[] = [];
  for (const ref of refs) {
    let secret: V1Secret;
    try {
      secret = await readSecret(namespace, ref.name);
    } catch (error) {
      if (httpStatusOf(error) === 403) {
        // #18: the chart may withhold Secret access (rbac.secretNamespaces / clusterWideSecrets).
        problems.push({
          reason: REASONS.secretNotReadable,
          message: `the operator may not read Secret ${namespace}/${ref.name} referenced by ${ref.field} (RBAC), so it cannot check it or read queue figures; the workers are not affected: add ${namespace} to the chart's rbac.secretNamespaces to allow it`,
        });
        continue;
      }
      if (!isNotFound(error)) throw error;
      problems.push({
        reason: REASONS.secretNotFound,
        message: `Secret ${namespace}/${ref.name} referenced by ${ref.field}.name does not exist: create it with key "${ref.key}"`,
      });
      continue;
    }
    if (!(ref.key in (secret.data ?? {})) && !(ref.key in (secret.stringData ?? {}))) {
      const keys = Object.keys(secret.data ?? {}).join(', ') || 'none';
      problems.push({
        reason: REASONS.secretKeyMissing,
        message: `Secret ${namespace}/${ref.name} referenced by ${ref.field} has no key "${ref.key}" (keys: ${keys}): add it or set ${ref.field}.key`,
      });
    }
  }
  return problems;
}
