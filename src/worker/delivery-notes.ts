// What the group remembers about a pending entry between deliveries, in one Redis hash per stream
// (`<stream>:delivery-notes`), removed with the entry's ack (issue 11):
// - `<id>:outage`: deliveries spent while no upstream could take calls (or cut short by a shutdown).
//   They do not count toward maxDeliveries: an outage is not a verdict about the batch.
// - `<id>:cause`: the failure that ended the last delivery (per item: code, error, attempts, upstream),
//   so a MAX_DELIVERIES_EXCEEDED dead letter carries its cause even when another worker failed it.
// Pure helpers; the Redis calls are in stream-queue.ts.

export interface ItemCause {
  index: number;
  key: string;
  code: string;
  error: string;
  attempts: number;
  upstream: string | undefined;
}

export interface DeliveryCause {
  consumer: string;
  at: string;
  deliveries: number;
  items: ItemCause[];
}

export const notesKey = (stream: string) => `${stream}:delivery-notes`;
export const outageField = (id: string) => `${id}:outage`;
export const causeField = (id: string) => `${id}:cause`;

/** Deliveries that count toward maxDeliveries. */
export function countedDeliveries(deliveries: number, outageDeliveries: number): number {
  return Math.max(0, deliveries - outageDeliveries);
}

export function parseCause(raw: string | null | undefined): DeliveryCause | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as DeliveryCause;
  } catch {
    return undefined;
  }
}

/** One line for the dead letter's `error` field; the full cause goes into its `cause` field. */
export function describeCause(cause: DeliveryCause | undefined): string {
  if (!cause || cause.items.length === 0) {
    return 'no failure recorded for the earlier deliveries (the worker holding them stopped or crashed)';
  }
  const first = cause.items[0] as ItemCause;
  const more = cause.items.length > 1 ? ` (and ${cause.items.length - 1} more items)` : '';
  return `last failure: item ${first.key} ${first.code} after ${first.attempts} attempts on ${
    first.upstream ?? 'no upstream'
  }: ${first.error}${more}`;
}
