// `npm run crds`: writes crds/ and the chart's copy from the zod schema, and the README's table of
// admission rules (#14) from that CRD.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { admissionTable, withAdmissionTable } from './admission-table.ts';
import { buildCrd } from './crd.ts';
import { CHART_CRD_FILE, CRD_FILE, renderCrdYaml } from './crd-yaml.ts';

for (const file of [CRD_FILE, CHART_CRD_FILE]) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderCrdYaml());
  console.log(`wrote ${file}`);
}
const readme = 'README.md';
writeFileSync(readme, withAdmissionTable(readFileSync(readme, 'utf8'), admissionTable(buildCrd())));
console.log(`wrote the admission rules table in ${readme}`);
