// Kubernetes resource quantities → numbers, for pricing what a pod requests (issue 17: cost of what you
// pay for). Only the suffixes requests use: decimal (m, k, M, G, T) and binary (Ki, Mi, Gi, Ti).
const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** "250m" → 0.25, "2" → 2, "128Mi" → 134217728; throws on anything else. */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = QUANTITY.exec(text.trim());
  if (!match) throw new Error(`invalid quantity "${text}" (e.g. 250m, 0.5, 128Mi, 1Gi)`);
  return Number(match[1]) * (FACTOR[match[2] ?? ''] as number);
}

/** CPU quantity → cores. */
export const cpuCores = (text: string | number): number => parseQuantity(text);

/** Memory quantity → GiB (a bare number is bytes, as in Kubernetes). */
export const memoryGiB = (text: string | number): number => parseQuantity(text) / 2 ** 30;
