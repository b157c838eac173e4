// The bot a reconcile reads comes from the watch when the watch has delivered a generation not read yet
// (#14: a GET per reconcile was 1,000 of a 1,000-bot cold start's ~7,000 requests), as
// controller-runtime's cached client serves it, without keeping every bot's spec in memory: the cache
// keeps a bot's spec and status only until a reconcile has taken that generation; after that, and for
// status-only updates of a generation taken already (the operator's own status writes), it holds the
// metadata only, as trimBot leaves it. A later reconcile of the same generation (an owned object
// changed, a retry, a resync) reads the bot fresh. A copy that is stale by the time it is used is safe:
// the status write carries its resourceVersion as precondition (a 409 is retried, then read fresh),
// and the newer watch event wakes the bot again.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InventoryBot } from '../../api/inventory-bot.ts';
import { API_VERSION, KIND } from '../../api/names.ts';
import { dropManagedFields, trimBot } from './cache-trim.ts';

export class UnreadBots {
  /** The generation last taken by a reconcile, by the bot's uid (a re-created bot is a new uid). */
  private readonly taken = new Map<string, number>();

  /** The bots cache's trim: metadata only, unless this generation has not been taken yet. */
  readonly trim = (object: KubernetesObject): void => {
    const { uid, generation } = object.metadata ?? {};
    if (uid !== undefined && generation !== undefined && this.taken.get(uid) !== generation) {
      dropManagedFields(object);
      return;
    }
    trimBot(object);
  };

  /**
   * The bot from its cached copy when that holds a generation not taken yet (then trimmed: taken);
   * undefined when the caller must read it fresh.
   */
  take(cached: KubernetesObject | undefined): InventoryBot | undefined {
    const { uid, generation } = cached?.metadata ?? {};
    // A trimmed bot's spec is undefined (cache-trim.ts sets it so, rather than deleting it).
    const spec = (cached as { spec?: InventoryBot['spec'] } | undefined)?.spec;
    if (!cached?.metadata || uid === undefined || generation === undefined || spec === undefined) {
      return undefined;
    }
    const { status } = cached as unknown as Pick<InventoryBot, 'status'>;
    const bot = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { ...cached.metadata },
      spec,
      ...(status ? { status } : {}),
    } as InventoryBot;
    this.taken.set(uid, generation);
    trimBot(cached);
    return bot;
  }

  /** A deleted bot: nothing to remember. */
  forget(object: KubernetesObject): void {
    const uid = object.metadata?.uid;
    if (uid !== undefined) this.taken.delete(uid);
  }
}
