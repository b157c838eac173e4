// One version source (#9): package.json "version" is the product version; every copy of it (the CLI and
// worker through src/contracts/version.ts, Chart.yaml, the CRD's default worker image tag, samples, deploy/)
// must equal it. `npm run generate` rewrites them all; this test fails when one was left behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PRODUCT_VERSION } from '../../../src/contracts/version.ts';
import { CRD_FILE } from '../../../src/api/crd-yaml.ts';
import { versionCopies } from '../../tools/version-copies.ts';

const packageVersion = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('one product version', () => {
  it('src/contracts/version.ts carries package.json version', () => {
    expect(PRODUCT_VERSION).toBe(packageVersion);
  });

  it.each(versionCopies.map((c, i) => [`${c.file} #${i}`, c] as const))(
    '%s equals package.json',
    (_, copy) => {
      const found = copy.read(readFileSync(copy.file, 'utf8'));
      expect(found.length).toBeGreaterThan(0);
      expect(found).toEqual(found.map(() => packageVersion));
    },
  );

  it('the committed CRD defaults the worker image tag to it', () => {
    const crd = readFileSync(CRD_FILE, 'utf8');
    const defaults = [...crd.matchAll(/^\s+tag: (\S+)$|^\s+default: (\S+)$/gm)]
      .map((m) => m[1] ?? m[2])
      .filter((v) => /^\d+\.\d+\.\d+/.test(v ?? ''));
    expect(defaults.length).toBeGreaterThan(0);
    expect(defaults).toEqual(defaults.map(() => packageVersion));
  });

  it('deploy/ labels, chart name and operator image carry it', () => {
    const seen: string[] = [];
    for (const file of readdirSync('deploy').filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join('deploy', file), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        const labels = (doc.toJS() as { metadata?: { labels?: Record<string, string> } } | null)?.metadata
          ?.labels;
        if (labels?.['app.kubernetes.io/version']) seen.push(String(labels['app.kubernetes.io/version']));
        if (labels?.['helm.sh/chart'])
          seen.push(labels['helm.sh/chart'].replace(/^inventorybot-operator-/, ''));
      }
      for (const m of text.matchAll(/image: ghcr\.io\/inventorybot\/inventorybot:(\S+)/g))
        seen.push(m[1] ?? '');
    }
    expect(seen.length).toBeGreaterThan(3);
    expect(seen).toEqual(seen.map(() => packageVersion));
  });
});
