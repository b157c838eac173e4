// The exact ledger: every effect applied to the stock, keyed by idempotency key. A key applied more than
// once is a duplicate effect (only possible with dedupe off: it proves or disproves the worker alone).
// Per (warehouse, SKU) it also keeps the order in which effects took place, so a test can compare it
// with the enqueue order (warehouse shards, #13).

export interface Operation {
  warehouse: string;
  sku: string;
  delta?: number;
  target?: number;
}

export interface LedgerSummary {
  requests: number;
  applied: number;
  effects: number;
  duplicates: number;
  replays: number;
  conflicts: number;
}

export type ApplyResult =
  { status: 'applied' | 'replayed'; stock: number } | { status: 'conflict'; stock: number };

interface Entry {
  fingerprint: string;
  applications: number;
}

const fingerprintOf = (op: Operation) =>
  JSON.stringify([op.warehouse, op.sku, op.delta ?? null, op.target ?? null]);
const stockKey = (warehouse: string, sku: string) => `${warehouse}\u0000${sku}`;

export class Ledger {
  readonly #entries = new Map<string, Entry>();
  readonly #stock = new Map<string, number>();
  readonly #history = new Map<string, string[]>();
  readonly #dedupe: boolean;
  #requests = 0;
  #replays = 0;
  #conflicts = 0;

  constructor(options: { dedupe?: boolean } = {}) {
    this.#dedupe = options.dedupe ?? true;
  }

  apply(key: string, op: Operation): ApplyResult {
    this.#requests++;
    const fingerprint = fingerprintOf(op);
    const entry = this.#entries.get(key);
    if (entry && this.#dedupe) {
      if (entry.fingerprint !== fingerprint) {
        this.#conflicts++;
        return { status: 'conflict', stock: this.stock(op.warehouse, op.sku) };
      }
      this.#replays++;
      return { status: 'replayed', stock: this.stock(op.warehouse, op.sku) };
    }
    const sk = stockKey(op.warehouse, op.sku);
    const next = op.target ?? (this.#stock.get(sk) ?? 0) + (op.delta ?? 0);
    this.#stock.set(sk, next);
    const history = this.#history.get(sk);
    if (history) history.push(key);
    else this.#history.set(sk, [key]);
    if (entry) entry.applications++;
    else this.#entries.set(key, { fingerprint, applications: 1 });
    return { status: 'applied', stock: next };
  }

  stock(warehouse: string, sku: string): number {
    return this.#stock.get(stockKey(warehouse, sku)) ?? 0;
  }

  /** The idempotency keys whose effects took place on (warehouse, sku), in the order they did. */
  history(warehouse: string, sku: string): string[] {
    return [...(this.#history.get(stockKey(warehouse, sku)) ?? [])];
  }

  /** Every (warehouse, SKU) with effects: their keys in the order applied and the stock now (#13: the
   * real-node rebalance test reads the per-SKU order through the admin API). */
  histories(): { warehouse: string; sku: string; keys: string[]; stock: number }[] {
    return [...this.#history].map(([sk, keys]) => {
      const [warehouse = '', sku = ''] = sk.split('\u0000');
      return { warehouse, sku, keys: [...keys], stock: this.#stock.get(sk) ?? 0 };
    });
  }

  /** How many times each key's effect was applied. */
  applications(): Map<string, number> {
    return new Map([...this.#entries].map(([key, entry]) => [key, entry.applications]));
  }

  /** Distinct keys applied so far: summary().applied without its walk over every entry (a bench samples it). */
  get appliedCount(): number {
    return this.#entries.size;
  }

  summary(): LedgerSummary {
    let effects = 0;
    let duplicates = 0;
    for (const entry of this.#entries.values()) {
      effects += entry.applications;
      if (entry.applications > 1) duplicates++;
    }
    return {
      requests: this.#requests,
      applied: this.#entries.size,
      effects,
      duplicates,
      replays: this.#replays,
      conflicts: this.#conflicts,
    };
  }
}
