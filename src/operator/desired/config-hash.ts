// A hash of the worker configuration, put on the pod template so a config change rolls the pods.
import { createHash } from 'node:crypto';

export function configHash(data: Record<string, string>): string {
  const canonical = JSON.stringify(
    Object.keys(data)
      .sort()
      .map((key) => [key, data[key]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
