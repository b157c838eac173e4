// `npm run crds`: writes crds/ and the chart's copy from the zod schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CHART_CRD_FILE, CRD_FILE, renderCrdYaml } from './crd-yaml.ts';

for (const file of [CRD_FILE, CHART_CRD_FILE]) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderCrdYaml());
  console.log(`wrote ${file}`);
}
