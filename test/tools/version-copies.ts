// Every text copy of the product version, with how to read and write it: used by sync-version.ts (write)
// and by the unit test that fails when any copy differs from package.json (read), so the list is kept once.
export interface VersionCopy {
  file: string;
  /** The versions this file carries now (every occurrence, so a half-updated file is caught). */
  read(text: string): string[];
  write(text: string, version: string): string;
}

const V = String.raw`[0-9A-Za-z.+-]+`;

function byPattern(file: string, pattern: string, template: (v: string) => string): VersionCopy {
  const re = () => new RegExp(pattern.replace('(V)', `(${V})`), 'gm');
  return {
    file,
    read: (text) => [...text.matchAll(re())].map((m) => m[1] ?? ''),
    write: (text, version) => text.replace(re(), template(version)),
  };
}

export const versionCopies: VersionCopy[] = [
  byPattern(
    'src/contracts/version.ts',
    String.raw`^export const PRODUCT_VERSION = '(V)';$`,
    (v) => `export const PRODUCT_VERSION = '${v}';`,
  ),
  byPattern('charts/inventorybot-operator/Chart.yaml', String.raw`^version: (V)$`, (v) => `version: ${v}`),
  byPattern(
    'charts/inventorybot-operator/Chart.yaml',
    String.raw`^appVersion: '(V)'$`,
    (v) => `appVersion: '${v}'`,
  ),
  byPattern(
    'charts/inventorybot-operator/Chart.yaml',
    String.raw`image: ghcr\.io/inventorybot/inventorybot:(V)$`,
    (v) => `image: ghcr.io/inventorybot/inventorybot:${v}`,
  ),
  byPattern(
    'README.md',
    String.raw`\| \`ghcr\.io/inventorybot/inventorybot\`, \`(V)\`, \`IfNotPresent\` \|`,
    (v) => `| \`ghcr.io/inventorybot/inventorybot\`, \`${v}\`, \`IfNotPresent\` |`,
  ),
  byPattern('Dockerfile', String.raw`^ARG VERSION=(V)$`, (v) => `ARG VERSION=${v}`),
  byPattern('deploy/samples/inventorybot-full.yaml', String.raw`^    tag: (V)$`, (v) => `    tag: ${v}`),
];
