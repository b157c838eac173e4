// The TypeScript half of every admission rule (the zod parse of the operator and the worker) gives the
// same answers as the API server (test/integration/cluster/api/admission-rules.test.ts) on one sample
// per manifest class (#14, #18).
import { ZodError } from 'zod';
import { parseSpec } from '../../../src/api/inventory-bot.ts';
import { botNameRule, quantityValue } from '../../../src/api/rules.ts';
import { versionLabel } from '../../../src/operator/desired/labels.ts';
import { ADMISSION_SAMPLES } from '../../support/admission-samples.ts';

/** Where zod says the spec is wrong, in the API server's notation (spec.a.b[0]). */
function rejection(sample: (typeof ADMISSION_SAMPLES)[number]): string | undefined {
  if (sample.name !== undefined && !botNameRule.check({ metadata: { name: sample.name } }))
    return 'metadata.name';
  try {
    parseSpec(sample.spec);
    return undefined;
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const path = error.issues[0]?.path ?? [];
    return path.reduce<string>(
      (out, p) => (typeof p === 'number' ? `${out}[${p}]` : `${out}.${String(p)}`),
      'spec',
    );
  }
}

describe.each(ADMISSION_SAMPLES)('$what', (sample) => {
  it(sample.rejectedAt ? `is rejected at ${sample.rejectedAt}` : 'is accepted', () => {
    expect(rejection(sample)).toBe(sample.rejectedAt);
  });
});

it('reads Kubernetes quantities as the API server does', () => {
  expect(quantityValue('.5')).toBe(0.5);
  expect(quantityValue('1e9')).toBe(1e9);
  expect(quantityValue('1Pi')).toBe(2 ** 50);
  expect(quantityValue('250m')).toBe(0.25);
  expect(quantityValue('128Mi')).toBe(128 * 2 ** 20);
  expect(quantityValue('1 core')).toBeUndefined();
  expect(quantityValue('1Ki5')).toBeUndefined();
});

it('turns any valid tag into a valid version label (#14)', () => {
  const label = versionLabel(`_v${'1'.repeat(100)}-`)['app.kubernetes.io/version'] ?? '';
  expect(label.length).toBeLessThanOrEqual(63);
  expect(label).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/);
  expect(versionLabel('___')).toEqual({});
  expect(versionLabel('1.0.0')).toEqual({ 'app.kubernetes.io/version': '1.0.0' });
});
