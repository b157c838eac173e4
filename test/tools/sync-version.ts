// `npm run generate` step 1: copies package.json's "version" (the one version source, #9) into every place
// that must carry it as text: src/contracts/version.ts, the chart's version/appVersion/artifacthub image,
// and the image tag of the samples. The CRD default tag and deploy/ follow from these through
// `npm run crds` and `npm run deploy:render`, which `npm run generate` runs next.
import { readFileSync, writeFileSync } from 'node:fs';
import { versionCopies } from './version-copies.ts';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
for (const copy of versionCopies) {
  const before = readFileSync(copy.file, 'utf8');
  const after = copy.write(before, version);
  if (after !== before) {
    writeFileSync(copy.file, after);
    console.log(`wrote ${copy.file}`);
  }
}
