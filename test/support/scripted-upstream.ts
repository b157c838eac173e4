// A real HTTP upstream whose every answer a test scripts: by SKU and by how many times the key was
// seen, answer any status, body and headers, after a delay, with or without applying, or reset the
// connection. It keeps an exact record: calls per idempotency key (with times) and effects per key.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { IDEMPOTENCY_HEADER } from '../../src/contracts/upstream-protocol.ts';

export interface ApplyCall {
  key: string;
  sku: string;
  body: Record<string, unknown>;
  /** 1 for the first call with this key. */
  n: number;
  at: number;
}

export type Script =
  | {
      status: number;
      body?: string;
      headers?: Record<string, string>;
      delayMs?: number;
      /** Record the effect (once per key) before answering; default: for 2xx answers. */
      apply?: boolean;
    }
  | 'reset';

export interface ScriptedUpstream {
  url: string;
  calls: ApplyCall[];
  /** Effects per idempotency key: exactly-once means 1 for each. */
  effects: Map<string, number>;
  setScript(script: (call: ApplyCall) => Script): void;
  close(): Promise<void>;
}

export const ok = (call: ApplyCall): Script => ({
  status: 200,
  body: JSON.stringify({ status: 'applied', stock: call.n }),
});

export async function startScriptedUpstream(
  script: (call: ApplyCall) => Script = ok,
): Promise<ScriptedUpstream> {
  const calls: ApplyCall[] = [];
  const effects = new Map<string, number>();
  const seen = new Map<string, number>();
  let current = script;
  // Ends the delays of responses still held back when the server closes: their timers kept Jest from
  // exiting after a failing shutdown test.
  const closing = new AbortController();

  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await read(req);
      const key = String(req.headers[IDEMPOTENCY_HEADER] ?? '');
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const call: ApplyCall = { key, sku: String(body.sku), body, n, at: Date.now() };
      calls.push(call);
      const action = current(call);
      if (action === 'reset') {
        req.socket.destroy();
        return;
      }
      const apply = action.apply ?? (action.status >= 200 && action.status < 300);
      if (apply && !effects.has(key)) effects.set(key, 1);
      if (action.delayMs) await sleep(action.delayMs, undefined, { signal: closing.signal });
      if (res.destroyed) return;
      res.writeHead(action.status, action.headers ?? {});
      res.end(action.body ?? '');
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    effects,
    setScript: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
