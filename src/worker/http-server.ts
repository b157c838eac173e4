// /metrics, /healthz (the process serves) and /readyz: 200, or 503 with the reasons (Redis unavailable
// and why, no upstream can take calls, starting, shutting down).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeHttp } from '../contracts/node-http.ts';

const { createServer } = nodeHttp;

export interface ProbeDeps {
  /** prom-client's Registry, by the two members served (#16: only the metrics modules import prom-client). */
  registry: { metrics(): Promise<string>; readonly contentType: string };
  /** Why the worker is not ready; empty when it is. */
  ready: () => Promise<string[]>;
}

export async function startHttpServer(port: number, host: string, deps: ProbeDeps): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const route = async () => {
      if (path === '/metrics') return reply(200, await deps.registry.metrics(), deps.registry.contentType);
      if (path === '/healthz') return reply(200, 'ok\n');
      if (path === '/readyz') {
        const reasons = await deps.ready();
        return reasons.length === 0
          ? reply(200, 'ready\n')
          : reply(503, `not ready: ${reasons.join('; ')}\n`);
      }
      reply(404, 'not found\n');
    };
    route().catch((error: unknown) => reply(500, `${(error as Error).message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

export const serverPort = (server: Server) => (server.address() as AddressInfo).port;
