// Every CEL rule the CRD carries has its zod twin (#16): among the admission samples' zod rejections
// there is one with the CEL rule's very message, so a rule added as CEL alone (the API server enforces
// it, the operator and worker parses do not) fails here.
import { ZodError } from 'zod';
import { buildCrd } from '../../../src/api/crd.ts';
import { parseSpec } from '../../../src/api/inventory-bot.ts';
import { ADMISSION_SAMPLES } from '../../support/admission-samples.ts';

interface Schema {
  properties?: Record<string, Schema>;
  items?: Schema;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

function celMessages(schema: Schema, out: Set<string> = new Set()): Set<string> {
  for (const v of schema['x-kubernetes-validations'] ?? []) out.add(v.message);
  for (const child of Object.values(schema.properties ?? {})) celMessages(child, out);
  if (schema.items) celMessages(schema.items, out);
  return out;
}

function zodMessages(): Set<string> {
  const out = new Set<string>();
  for (const sample of ADMISSION_SAMPLES) {
    try {
      parseSpec(sample.spec);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      for (const issue of error.issues) out.add(issue.message);
    }
  }
  return out;
}

const spec = buildCrd().spec.versions[0]!.schema.openAPIV3Schema.properties.spec as Schema;
const rejected = zodMessages();

it.each([...celMessages(spec)])('zod rejects with the CEL message: %s', (message) => {
  expect(rejected).toContain(message);
});
