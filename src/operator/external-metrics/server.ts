// The HTTPS server behind the APIService v1beta1.external.metrics.k8s.io: discovery, health, and the
// queue metric of one bot per request. It runs on every operator replica (leader or not): the
// aggregator may send a request to any of them, and answering needs only reads.
import type { KubeAccess } from '../kube/kube-access.ts';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ZodError } from 'zod';
import { parseSpec, type InventoryBotSpec } from '../../api/inventory-bot.ts';
import { isNotFound } from '../errors.ts';
import type { Logger } from '../../contracts/logger.ts';
import { apiGroup, apiGroupList, apiResourceList, openApiV2, statusDocument } from './api-documents.ts';
import { botNameFromSelector, SelectorError } from './label-selector.ts';
import { servedFigure } from './held-figure.ts';
import { externalMetricValueList } from './metric-value-list.ts';
import { LagUnknownError, outstandingBatches } from './queue-figures.ts';
import type { QueueReader } from './queue-reader.ts';
import { RedisUrlError } from './queue-reader.ts';
import { RedisUnavailableError } from './redis-pool.ts';
import { authenticatePeer, readRequestHeaderAuth, type RequestHeaderAuth } from './request-header-auth.ts';
import { route } from './routes.ts';

export interface ExternalMetricsServerOptions {
  port: number;
  host?: string;
  certFile: string;
  keyFile: string;
  kubeConfig: KubeAccess;
  /** The bot's spec as stored (defaults filled by the API server); rejects with a 404 ApiException if absent. */
  readBotSpec(namespace: string, name: string): Promise<unknown>;
  reader: QueueReader;
  logger: Logger;
  /** How old a served figure may be; the HPA asks every 15 s by default. */
  maxAgeMs?: number;
  /** How often the request-header CA is re-read (it rotates with the cluster's front-proxy CA). */
  authRefreshMs?: number;
}

export interface ExternalMetricsServer {
  server: Server;
  port: number;
  /** Resolves once the request-header CA has been read (requests before get a 503). */
  authLoaded: Promise<void>;
  stop(): Promise<void>;
}

type Reply = { code: number; body: unknown; close?: boolean };

export async function startExternalMetricsServer(
  options: ExternalMetricsServerOptions,
): Promise<ExternalMetricsServer> {
  const { logger } = options;
  let auth: RequestHeaderAuth | undefined;
  let stopped = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  /** The last figure read from each bot's queue: what is held while it cannot be read (#15). */
  const lastServed = new Map<string, number>();
  const cert = readFileSync(options.certFile);
  const key = readFileSync(options.keyFile);

  const server = createServer({ cert, key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(req).then(
      (reply) => send(res, req, reply),
      (error: unknown) => {
        logger.error('external metrics request failed', { path: req.url, error });
        send(res, req, failure(500, `internal error: ${(error as Error).message}`));
      },
    );
  });

  async function handle(req: IncomingMessage): Promise<Reply> {
    const target = route(req.method ?? 'GET', req.url ?? '/');
    if (target.kind === 'health') return { code: 200, body: 'ok' };
    if (target.kind === 'error') return failure(target.code, target.message);
    // Closed after the reply: this connection's TLS verification predates the CA.
    if (!auth) return { ...failure(503, 'the request-header CA has not been read yet'), close: true };
    const who = authenticatePeer(req.socket as TLSSocket, auth);
    if (!who.ok) {
      logger.warn('external metrics request refused', { path: req.url, reason: who.message });
      return failure(who.code, who.message);
    }
    switch (target.kind) {
      case 'apiGroupList':
        return { code: 200, body: apiGroupList() };
      case 'apiGroup':
        return { code: 200, body: apiGroup() };
      case 'apiResourceList':
        return { code: 200, body: apiResourceList() };
      case 'openApiV2':
        return { code: 200, body: openApiV2() };
      case 'openApiV3':
        return { code: 200, body: { paths: {} } };
      case 'metric':
        return metric(target.namespace, target.metric, target.labelSelector);
    }
  }

  async function metric(namespace: string, metricName: string, selector: string): Promise<Reply> {
    let name: string;
    try {
      name = botNameFromSelector(selector);
    } catch (error) {
      if (error instanceof SelectorError) return failure(400, error.message);
      throw error;
    }
    let spec: InventoryBotSpec;
    try {
      spec = parseSpec(await options.readBotSpec(namespace, name));
    } catch (error) {
      if (isNotFound(error)) return failure(404, `InventoryBot ${namespace}/${name} not found`);
      if (error instanceof ZodError)
        return failure(400, `InventoryBot ${namespace}/${name} has an invalid spec`);
      throw error;
    }
    const bot = `${namespace}/${name}`;
    const figureInput = {
      perReplica: spec.scaling.queueLagPerReplica,
      ...(spec.scaling.fallbackReplicas === undefined
        ? {}
        : { fallbackReplicas: spec.scaling.fallbackReplicas }),
      ...(lastServed.has(bot) ? { lastServed: lastServed.get(bot) as number } : {}),
    };
    let figure;
    try {
      const stats = await options.reader.read({ namespace, name, spec }, options.maxAgeMs ?? 2000);
      figure = servedFigure({
        ...figureInput,
        reading: { outstanding: outstandingBatches(stats), workers: stats.workers },
      });
    } catch (error) {
      if (
        error instanceof RedisUnavailableError ||
        error instanceof RedisUrlError ||
        error instanceof LagUnknownError
      ) {
        // #15: hold a figure rather than fail the HPA's metric; fail only with nothing to hold.
        figure = servedFigure({ ...figureInput, error: error.message });
        logger.warn('queue lag unavailable', {
          bot,
          error: error.message,
          ...(figure ? { held: figure.value } : {}),
        });
        if (!figure) return failure(503, `queue of InventoryBot ${bot} unavailable: ${error.message}`);
      } else throw error;
    }
    if (!figure) throw new Error('no queue figure');
    if (!figure.held) lastServed.set(bot, figure.value);
    return { code: 200, body: externalMetricValueList(metricName, name, figure.value, new Date()) };
  }

  const loadAuth = async (): Promise<void> => {
    for (let delay = 500; !stopped; delay = Math.min(delay * 2, 10_000)) {
      try {
        auth = await readRequestHeaderAuth(options.kubeConfig);
        return;
      } catch (error) {
        logger.warn('cannot read the request-header CA, retrying', { error, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  const trust = (fresh: RequestHeaderAuth) => {
    server.setSecureContext({ cert, key, ca: fresh.clientCa });
    // Keep-alive connections verified against the old trust would keep failing: drop the idle ones.
    server.closeIdleConnections();
  };
  const authLoaded = loadAuth().then(() => {
    if (stopped || !auth) return;
    trust(auth);
    logger.info('external metrics server authenticates the aggregator', { allowedNames: auth.allowedNames });
    refreshTimer = setInterval(
      () => {
        readRequestHeaderAuth(options.kubeConfig).then(
          (fresh) => {
            const changed = fresh.clientCa !== auth?.clientCa;
            auth = fresh;
            if (changed) trust(fresh);
          },
          (error: unknown) => logger.warn('cannot refresh the request-header CA', { error }),
        );
      },
      options.authRefreshMs ?? 5 * 60_000,
    );
    refreshTimer.unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info('external metrics server listening', { port });
  return {
    server,
    port,
    authLoaded,
    async stop() {
      stopped = true;
      clearInterval(refreshTimer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function failure(code: number, message: string): Reply {
  return { code, body: statusDocument(code, message) };
}

function send(res: ServerResponse, req: IncomingMessage, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.code, {
    'Content-Type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(reply.close ? { Connection: 'close' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}
