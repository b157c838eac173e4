// The upstream simulator: a real HTTP inventory API with latency and failure injection, runtime outage
// windows, permanent errors for unknown SKUs and an exact ledger. startSimulator() runs it in-process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { APPLY_PATH, IDEMPOTENCY_HEADER } from '../contracts/upstream-protocol.ts';
import { seededRandom } from '../contracts/seeded-random.ts';
import { isKnownSku } from './catalogue.ts';
import { CapacityGate } from './capacity-gate.ts';
import { decideFault, sampleLatencyMs, type FaultOptions, type LatencyOptions } from './faults.ts';
import { Ledger, type LedgerSummary } from './ledger.ts';
import { createSimulatorMetrics } from './metrics.ts';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  latency?: Partial<LatencyOptions>;
  faults?: Partial<FaultOptions>;
  /** Honour Idempotency-Key (default). Off: every request applies, and the ledger shows duplicates. */
  dedupe?: boolean;
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
  seed?: number;
  name?: string;
  /** Apply requests served at once; more wait in arrival order (0: unlimited, the default). #12. */
  capacity?: number;
  /** Called with each apply request's time at the upstream in ms, waiting for capacity included. */
  onApplyDuration?: (ms: number) => void;
}

export type OutageMode = 'error' | 'reset';

export interface SimulatorHandle {
  url: string;
  port: number;
  ledger: Ledger;
  setOutage(enabled: boolean, mode?: OutageMode): void;
  setFaults(faults: Partial<FaultOptions>): void;
  /** Changes the injected latency at runtime (a latency spike, issue 12). */
  setLatency(latency: Partial<LatencyOptions>): void;
  /** Changes how many apply requests are served at once (a capacity drop: the spike of issue 12). */
  setCapacity(capacity: number): void;
  /** Apply requests in service or waiting for capacity. */
  inFlight(): number;
  /** Apply responses by HTTP status ("0": connection reset). */
  responseCounts(): Record<string, number>;
  close(): Promise<void>;
}

export const DEFAULT_LATENCY: LatencyOptions = { medianMs: 4, p95Ms: 15, maxMs: 1000 };
export const DEFAULT_FAULTS: FaultOptions = { failureRate: 0.2, lostResponseShare: 0.25 };

const applyBodySchema = z
  .object({
    warehouse: z.string().min(1),
    sku: z.string().min(1),
    delta: z.int().optional(),
    target: z.int().min(0).optional(),
    batchId: z.string().optional(),
  })
  .refine((b) => (b.delta === undefined) !== (b.target === undefined), {
    message: 'exactly one of delta or target is required',
  });

const outageSchema = z.object({ enabled: z.boolean(), mode: z.enum(['error', 'reset']).default('error') });
const faultsSchema = z.object({
  failureRate: z.number().min(0).max(1).optional(),
  lostResponseShare: z.number().min(0).max(1).optional(),
});

const MAX_BODY_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : JSON.parse(text);
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const sendError = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error_code: code, message });

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  let latency: LatencyOptions = { ...DEFAULT_LATENCY, ...options.latency };
  let faults: FaultOptions = { ...DEFAULT_FAULTS, ...options.faults };
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const ledger = new Ledger({ dedupe: options.dedupe ?? true });
  const metrics = createSimulatorMetrics();
  const responses = new Map<string, number>();
  let outage: { enabled: boolean; mode: OutageMode } = { enabled: false, mode: 'error' };
  const gate = new CapacityGate(options.capacity ?? 0);

  async function handleApply(req: IncomingMessage, res: ServerResponse): Promise<number> {
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      sendError(res, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
      return 401;
    }
    if (outage.enabled) {
      if (outage.mode === 'reset') {
        req.socket.destroy();
        return 0;
      }
      sendError(res, 503, 'OUTAGE', 'upstream outage window');
      return 503;
    }
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (typeof key !== 'string' || key === '') {
      sendError(res, 400, 'VALIDATION_ERROR', 'Idempotency-Key header is required');
      return 400;
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (error) {
      sendError(res, 400, 'VALIDATION_ERROR', (error as Error).message);
      return 400;
    }
    const parsed = applyBodySchema.safeParse(body);
    if (!parsed.success) {
      sendError(res, 422, 'VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
      return 422;
    }
    const op = parsed.data;
    await gate.enter();
    try {
      await sleep(sampleLatencyMs(latency, random));
    } finally {
      gate.leave();
    }
    if (!isKnownSku(op.sku)) {
      sendError(res, 404, 'UNKNOWN_SKU', `unknown SKU ${op.sku}`);
      return 404;
    }
    const fault = decideFault(faults, random);
    if (fault.kind === 'fail-before') {
      sendError(
        res,
        fault.status,
        fault.status === 429 ? 'RATE_LIMITED' : 'INJECTED_FAILURE',
        'injected failure',
      );
      metrics.injectedFailures.inc({ kind: fault.kind });
      return fault.status;
    }
    const result = ledger.apply(key, op);
    if (result.status === 'conflict') {
      sendError(res, 422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key reused with a different operation');
      return 422;
    }
    if (fault.kind === 'fail-after') {
      metrics.injectedFailures.inc({ kind: fault.kind });
      sendError(res, fault.status, 'INJECTED_FAILURE', 'injected failure after the effect was applied');
      return fault.status;
    }
    send(res, 200, { status: result.status, stock: result.stock });
    return 200;
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === '/admin/ledger') return send(res, 200, ledger.summary());
    if (req.method === 'GET' && path === '/admin/ledger/keys') {
      return send(res, 200, Object.fromEntries(ledger.applications()));
    }
    if (req.method === 'GET' && path === '/admin/ledger/history') return send(res, 200, ledger.histories());
    if (req.method === 'POST' && path === '/admin/outage') {
      const parsed = outageSchema.safeParse(await readJson(req));
      if (!parsed.success) return sendError(res, 422, 'VALIDATION_ERROR', parsed.error.message);
      outage = parsed.data;
      return send(res, 200, outage);
    }
    if (req.method === 'POST' && path === '/admin/faults') {
      const parsed = faultsSchema.safeParse(await readJson(req));
      if (!parsed.success) return sendError(res, 422, 'VALIDATION_ERROR', parsed.error.message);
      faults = { ...faults, ...parsed.data };
      return send(res, 200, faults);
    }
    sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const started = performance.now();
    const route = async () => {
      if (req.method === 'POST' && path === APPLY_PATH) {
        const status = String(await handleApply(req, res));
        responses.set(status, (responses.get(status) ?? 0) + 1);
        metrics.requests.inc({ status });
        const ms = performance.now() - started;
        metrics.duration.observe(ms / 1000);
        options.onApplyDuration?.(ms);
        return;
      }
      if (path.startsWith('/admin/')) return handleAdmin(req, res, path);
      if (req.method === 'GET' && path === '/metrics') {
        const summary: LedgerSummary = ledger.summary();
        metrics.setLedger(summary);
        return send(res, 200, await metrics.registry.metrics(), metrics.registry.contentType);
      }
      if (req.method === 'GET' && path === '/healthz') return send(res, 200, 'ok', 'text/plain');
      sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${path}`);
    };
    route().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_ERROR', (error as Error).message);
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    ledger,
    setOutage: (enabled, mode = 'error') => {
      outage = { enabled, mode };
    },
    setFaults: (next) => {
      faults = { ...faults, ...next };
    },
    setLatency: (next) => {
      latency = { ...latency, ...next };
    },
    setCapacity: (capacity) => gate.setCapacity(capacity),
    inFlight: () => gate.inFlight,
    responseCounts: () => Object.fromEntries(responses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
