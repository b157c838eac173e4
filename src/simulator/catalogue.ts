// The known SKU catalogue: SKU-00000 … SKU-99999. Anything else is an unknown SKU (permanent 404).

export const SKU_PATTERN = /^SKU-\d{5}$/;

export function isKnownSku(sku: string): boolean {
  return SKU_PATTERN.test(sku);
}

export function skuFor(index: number): string {
  return `SKU-${String(Math.abs(Math.trunc(index)) % 100000).padStart(5, '0')}`;
}
