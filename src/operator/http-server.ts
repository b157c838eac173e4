// The operator's HTTP endpoint: /metrics for Prometheus, /healthz (the process serves) and /readyz
// (a leader whose caches are synced, or a standby waiting for the lease).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { nodeHttp } from '../contracts/node-http.ts';

export interface HttpServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  ready: () => boolean;
  beforeScrape?: () => void;
}

const { createServer } = nodeHttp;

export async function startHttpServer(options: HttpServerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.beforeScrape?.();
      options.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'Content-Type': options.registry.contentType });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      return;
    }
    if (path === '/healthz') return void res.writeHead(200).end('ok');
    if (path === '/readyz') {
      const ready = options.ready();
      return void res.writeHead(ready ? 200 : 503).end(ready ? 'ok' : 'not ready');
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
