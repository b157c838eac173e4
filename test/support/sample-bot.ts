// A valid InventoryBot for tests: `sampleSpec` is what a user writes, `sampleBot` what the operator
// sees after the API server filled the defaults.
import { parseSpec, type InventoryBot, type InventoryBotSpecInput } from '../../src/api/inventory-bot.ts';
import { API_VERSION, KIND } from '../../src/api/names.ts';

export function sampleSpec(overrides: Partial<InventoryBotSpecInput> = {}): InventoryBotSpecInput {
  return {
    queue: { redis: { url: 'redis://redis.example:6379' } },
    upstream: { primaryUrl: 'http://erp.example/api' },
    ...overrides,
  };
}

export function sampleBot(
  overrides: Partial<InventoryBotSpecInput> = {},
  meta: { name?: string; namespace?: string; generation?: number } = {},
): InventoryBot {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: {
      name: meta.name ?? 'shop',
      namespace: meta.namespace ?? 'stores',
      uid: '0b8a3c6e-1111-4a2b-9c3d-123456789abc',
      generation: meta.generation ?? 1,
    },
    spec: parseSpec(sampleSpec(overrides)),
  };
}
