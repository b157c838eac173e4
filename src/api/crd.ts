// Builds the InventoryBot CustomResourceDefinition from the zod schema. Pure: the generator script
// writes it to crds/, the chart and tests read it from there.
import { z } from 'zod';
import { botNameRule } from './rules.ts';
import { inventoryBotSpecSchema, inventoryBotStatusSchema } from './inventory-bot.ts';
import {
  CATEGORIES,
  CRD_NAME,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './names.ts';

type JsonSchema = { [key: string]: unknown };

// zod's JSON Schema carries keys a structural CRD schema forbids or does not need.
const DROPPED_KEYS = new Set(['$schema', 'additionalProperties', 'id', '$id', 'uniqueItems']);
const SAFE_INT = Number.MAX_SAFE_INTEGER;

function toStructural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStructural);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (DROPPED_KEYS.has(key)) continue;
    if ((key === 'minimum' && value === -SAFE_INT) || (key === 'maximum' && value === SAFE_INT)) continue;
    if (key === 'anyOf' || key === 'oneOf' || key === '$ref' || key === '$defs' || key === 'definitions') {
      throw new Error(`schema uses ${key}, which a structural CRD schema cannot express`);
    }
    out[key] = key === 'properties' ? mapValues(value as JsonSchema, toStructural) : toStructural(value);
  }
  return out;
}

function mapValues(obj: JsonSchema, fn: (v: unknown) => unknown): JsonSchema {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

// The API server validates an object default (`.prefault({})` gives `{}`) against its CEL rules as is,
// before nested defaults apply, so spell object defaults out in full.
function expandObjectDefaults(node: JsonSchema): JsonSchema {
  const props = node.properties as Record<string, JsonSchema> | undefined;
  if (!props) return node;
  const expanded = mapValues(props, (child) => expandObjectDefaults(child as JsonSchema)) as Record<
    string,
    JsonSchema
  >;
  const out: JsonSchema = { ...node, properties: expanded };
  if (out.default !== null && typeof out.default === 'object' && !Array.isArray(out.default)) {
    const filled: JsonSchema = { ...(out.default as JsonSchema) };
    for (const [key, child] of Object.entries(expanded)) {
      if (filled[key] === undefined && child.default !== undefined) filled[key] = child.default;
    }
    out.default = filled;
  }
  return out;
}

function openApi(schema: z.ZodType): JsonSchema {
  return expandObjectDefaults(
    toStructural(
      z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }),
    ) as JsonSchema,
  );
}

export const PRINTER_COLUMNS = [
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Ready worker pods' },
  {
    name: 'Desired',
    type: 'integer',
    jsonPath: '.status.desiredReplicas',
    description: 'Worker pods the autoscaler wants',
  },
  { name: 'Min', type: 'integer', jsonPath: '.spec.scaling.minReplicas', description: 'Fewest replicas' },
  { name: 'Max', type: 'integer', jsonPath: '.spec.scaling.maxReplicas', description: 'Most replicas' },
  { name: 'Lag', type: 'integer', jsonPath: '.status.queue.lag', description: 'Undelivered batches' },
  {
    name: 'Queue-Wants',
    type: 'integer',
    jsonPath: '.status.autoscaling.queueReplicas',
    description: 'Workers the queue alone calls for (#15)',
  },
  {
    name: 'ETA',
    type: 'string',
    jsonPath: '.status.queue.eta',
    description: 'Time to drain the outstanding batches at the current throughput (#15)',
  },
  {
    name: 'Dead-Letters',
    type: 'integer',
    jsonPath: '.status.queue.deadLetters',
    description: 'Entries in the dead-letter stream',
  },
  {
    name: 'Status',
    type: 'string',
    jsonPath: '.status.summary',
    description: 'The most important condition: the Degraded reason while degraded, else the Ready reason',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function buildCrd() {
  const spec = openApi(inventoryBotSpecSchema);
  const status = openApi(inventoryBotStatusSchema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'inventorybot', 'app.kubernetes.io/part-of': 'inventorybot' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: LIST_KIND,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: [...CATEGORIES],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'InventoryBot runs a fleet of workers that take inventory batches from a Redis stream and apply them to an upstream inventory API.',
              required: ['spec'],
              'x-kubernetes-validations': [{ rule: botNameRule.cel, message: botNameRule.message }],
              properties: {
                apiVersion: {
                  type: 'string',
                  description: 'APIVersion of this object: inventorybot.io/v1alpha1.',
                },
                kind: { type: 'string', description: 'Kind of this object: InventoryBot.' },
                metadata: { type: 'object' },
                spec,
                status,
              },
            },
          },
        },
      ],
    },
  };
}
