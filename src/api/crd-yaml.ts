import { stringify } from 'yaml';
import { buildCrd } from './crd.ts';

export const CRD_FILE = 'crds/inventorybot.io_inventorybots.yaml';
/** The chart templates the same CRD (Helm cannot read files outside the chart). */
export const CHART_CRD_FILE = 'charts/inventorybot-operator/files/crds/inventorybot.io_inventorybots.yaml';

export function renderCrdYaml(): string {
  return `# Generated from src/api by \`npm run crds\`. Do not edit.\n---\n${stringify(buildCrd(), { lineWidth: 0 })}`;
}
