// Label selectors as the HPA sends them (metav1.LabelSelector rendered to its string form, e.g.
// `app.kubernetes.io/instance=shop` or `app.kubernetes.io/instance in (shop)`), and the bot they select.
import { LABELS } from '../../api/names.ts';

export type Requirement =
  { key: string; operator: 'in' | 'notin'; values: string[] } | { key: string; operator: 'exists' | '!' };

export class SelectorError extends Error {}

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

const KEY = /^[A-Za-z0-9][-A-Za-z0-9_./]*$/;

/** Parses the string form of a label selector; throws SelectorError naming the bad term. */
export function parseLabelSelector(selector: string): Requirement[] {
  return splitTerms(selector).map((term) => {
    let m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      if (!KEY.test(key)) throw new SelectorError(`invalid label key in "${term}"`);
      return { key, operator: op === '!=' ? 'notin' : 'in', values: [value] };
    }
    m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m as unknown as [string, string, 'in' | 'notin', string];
      if (!KEY.test(key)) throw new SelectorError(`invalid label key in "${term}"`);
      return {
        key,
        operator: op,
        values: list
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      };
    }
    if (term.startsWith('!') && KEY.test(term.slice(1).trim())) {
      return { key: term.slice(1).trim(), operator: '!' };
    }
    if (KEY.test(term)) return { key: term, operator: 'exists' };
    throw new SelectorError(`cannot parse label selector term "${term}"`);
  });
}

/**
 * The bot a selector names: exactly one value of app.kubernetes.io/instance (`=`, `==` or a one-value
 * `in`). Other requirements are ignored: queue figures carry no other labels.
 */
export function botNameFromSelector(selector: string): string {
  const named = parseLabelSelector(selector).filter(
    (r): r is Extract<Requirement, { operator: 'in' | 'notin' }> =>
      r.key === LABELS.instance && r.operator === 'in',
  );
  const values = [...new Set(named.flatMap((r) => r.values))];
  if (named.length !== 1 || values.length !== 1 || !values[0]) {
    throw new SelectorError(
      `labelSelector must select one InventoryBot with ${LABELS.instance}=<name> (got "${selector}")`,
    );
  }
  return values[0];
}
