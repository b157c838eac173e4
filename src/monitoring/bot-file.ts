// Reads spec.slo, spec.roi, spec.resources and spec.scaling of an InventoryBot YAML file (the rest of the spec is not needed, so a
// partial manifest is fine). The sections take the schema defaults for what they leave out.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../contracts/input-error.ts';
import { KIND } from '../api/names.ts';
import { issueLine } from '../api/rules.ts';
import {
  resourcesSchema,
  roiSchema,
  scalingSchema,
  sloSchema,
  type InventoryBotSpec,
} from '../api/inventory-bot.ts';

export interface BotSections {
  name?: string;
  namespace?: string;
  slo: InventoryBotSpec['slo'];
  roi: InventoryBotSpec['roi'];
  /** What the ROI report prices (issue 17): requests per worker, and the replicas the autoscaler keeps. */
  resources: InventoryBotSpec['resources'];
  scaling: InventoryBotSpec['scaling'];
}

/** The first InventoryBot document of a YAML text (or the first document when none says its kind). */
export function botSectionsFromYaml(text: string): BotSections {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown> | null);
  const objects = docs.filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  const doc = objects.find((d) => d.kind === KIND) ?? objects[0];
  if (!doc) throw new Error('no YAML document found');
  const spec = (doc.spec ?? {}) as Record<string, unknown>;
  const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
  return {
    ...(typeof metadata.name === 'string' ? { name: metadata.name } : {}),
    ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
    slo: parseSection(sloSchema, spec.slo, 'spec.slo'),
    roi: parseSection(roiSchema, spec.roi, 'spec.roi'),
    resources: parseSection(resourcesSchema, spec.resources, 'spec.resources'),
    scaling: parseSection(scalingSchema, spec.scaling, 'spec.scaling'),
  };
}

/** Every problem of a section named by its field path (`spec.slo.batchP95Seconds: ...`), not a zod dump (#9). */
function parseSection<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new InputError(
    result.error.issues.map((i) => issueLine([at, ...i.path.map(String)].join('.'), i.message)).join('; '),
  );
}

export function readBotSections(path: string): BotSections {
  try {
    return botSectionsFromYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}
