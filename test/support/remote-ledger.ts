// The upstream simulator's ledger when it runs as a pod (#13): read once through the API server's service
// proxy and offered with the Ledger's read methods, so the in-process checks (sku-order-check.ts,
// exactlyOnceViolations) apply unchanged on the real node.
import type { Ledger, LedgerSummary } from '../../src/simulator/ledger.ts';
import { kubectlOk } from './command-line.ts';

export type LedgerView = Pick<Ledger, 'history' | 'stock' | 'applications'>;

const adminPath = (namespace: string, service: string, path: string) =>
  `/api/v1/namespaces/${namespace}/services/http:${service}:http/proxy/admin/${path}`;

const get = <T>(namespace: string, service: string, path: string): T =>
  JSON.parse(kubectlOk(['get', '--raw', adminPath(namespace, service, path)])) as T;

export const ledgerSummary = (namespace: string, service = 'inventory-api') =>
  get<LedgerSummary>(namespace, service, 'ledger');

export function remoteLedger(namespace: string, service = 'inventory-api'): LedgerView {
  const skus = get<{ warehouse: string; sku: string; keys: string[]; stock: number }[]>(
    namespace,
    service,
    'ledger/history',
  );
  const applied = get<Record<string, number>>(namespace, service, 'ledger/keys');
  const bySku = new Map(skus.map((s) => [`${s.warehouse}\u0000${s.sku}`, s]));
  return {
    history: (warehouse, sku) => [...(bySku.get(`${warehouse}\u0000${sku}`)?.keys ?? [])],
    stock: (warehouse, sku) => bySku.get(`${warehouse}\u0000${sku}`)?.stock ?? 0,
    applications: () => new Map(Object.entries(applied)),
  };
}
