// `npm run crds`: writes crds/ from the zod schema.
import { writeFileSync } from 'node:fs';
import { CRD_FILE, renderCrdYaml } from './crd-yaml.ts';

writeFileSync(CRD_FILE, renderCrdYaml());
console.log(`wrote ${CRD_FILE}`);
