// Writes the chart's monitoring files (part of `npm run generate`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ARTIFACTS } from './artifacts.ts';

for (const artifact of ARTIFACTS) {
  mkdirSync(dirname(artifact.path), { recursive: true });
  writeFileSync(artifact.path, artifact.render());
  console.log(`wrote ${artifact.path}`);
}
