import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { admissionTable, withAdmissionTable } from '../../../src/api/admission-table.ts';
import { buildCrd } from '../../../src/api/crd.ts';
import { CHART_CRD_FILE, CRD_FILE, renderCrdYaml } from '../../../src/api/crd-yaml.ts';
import { parseSpec } from '../../../src/api/inventory-bot.ts';

describe('generated CRD', () => {
  it.each([CRD_FILE, CHART_CRD_FILE])(
    'matches the committed %s (run `npm run crds` after changing src/api)',
    (file) => {
      expect(readFileSync(file, 'utf8')).toBe(renderCrdYaml());
    },
  );

  it('README.md carries the current admission rules table (run `npm run crds`)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(withAdmissionTable(readme, admissionTable(buildCrd()))).toBe(readme);
    expect(readme).toContain('spec.upstream.primaryUrl has a port outside 1-65535');
  });

  it('is structural: no $ref, anyOf, oneOf or additionalProperties anywhere', () => {
    const text = JSON.stringify(buildCrd());
    for (const key of ['"$ref"', '"anyOf"', '"oneOf"', '"additionalProperties"', '"$schema"']) {
      expect(text).not.toContain(key);
    }
  });

  it('describes every spec field so kubectl explain is useful', () => {
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      if (!node.description) missing.push(path);
      const props = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [k, v] of Object.entries(props ?? {})) walk(v, `${path}.${k}`);
      const items = node.items as Record<string, unknown> | undefined;
      if (items?.properties) walk(items, `${path}[]`);
    };
    const schema = buildCrd().spec.versions[0]!.schema.openAPIV3Schema.properties;
    walk(schema.spec as Record<string, unknown>, 'spec');
    walk(schema.status as Record<string, unknown>, 'status');
    expect(missing).toEqual([]);
  });

  it('carries CEL rules for the cross-field checks', () => {
    const rules = JSON.stringify(buildCrd()).match(/"rule":"[^"]+"/g) ?? [];
    expect(rules.length).toBeGreaterThanOrEqual(6);
  });
});

describe('spec defaults', () => {
  const sample = parse(readFileSync('deploy/samples/inventorybot.yaml', 'utf8')) as { spec: unknown };

  it('fills every section of the minimal sample', () => {
    const spec = parseSpec(sample.spec);
    expect(spec.scaling).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 70,
    });
    expect(spec.retry).toEqual({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5000, jitter: 'full' });
    expect(spec.slo).toMatchObject({
      availabilityPercent: 99.5,
      batchP95Seconds: 0.3,
      batchP99Seconds: 0.5,
      errorRatePercent: 2,
      retryRatePercent: 7,
    });
    expect(spec.roi.laborMinutesPerItem).toBe(2);
    expect(spec.queue.maxDeliveries).toBe(5);
    expect(spec.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
  });

  it('names the field of a bad value', () => {
    expect(() => parseSpec({ ...(sample.spec as object), retry: { maxAttempts: 0 } })).toThrow(
      /retry[\s\S]*maxAttempts|maxAttempts/,
    );
  });
});
