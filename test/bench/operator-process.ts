// The operator bench's operator in a process of its own (#14: its peak RSS is its own, not the bench's),
// compiled with tsc to dist/bench like the image runs dist/, on the Node that runs the bench.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { ChildCommand, ChildReport } from './operator-child.ts';
import type { MemoryAtPeak } from './peak-memory.ts';
import { processFigures, type ProcessFigures } from './proc.ts';
import type { RequestCounts } from './request-counter.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('./tsconfig.operator-child.json', import.meta.url));
const ENTRY = join(REPO, 'dist/bench/test/bench/operator-child.js');

const DEPLOY = join(REPO, 'deploy/inventorybot-operator.yaml');

export interface ProductionRuntime {
  /** Node's flags: the container's command is `[node, ...flags, dist/src/operator/main.js]`. */
  nodeFlags: string[];
  /** The container's env given as literal values (#14: MALLOC_ARENA_MAX), not those from the pod (valueFrom). */
  env: Record<string, string>;
  /** Set when BENCH_OPERATOR_NODE_FLAGS replaced deploy/'s flags (#14, an experiment): named in the results. */
  nodeFlagsExperiment?: string;
}

/**
 * How the operator's container runs in production: its Node flags and literal env, from the manifest
 * rendered from the chart (deploy/), so the bench runs what `kubectl apply -f deploy/` runs.
 */
export function productionRuntime(): ProductionRuntime {
  for (const document of parseAllDocuments(readFileSync(DEPLOY, 'utf8'))) {
    const object = document.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: {
            containers?: { name: string; command?: string[]; env?: { name: string; value?: string }[] }[];
          };
        };
      };
    } | null;
    if (object?.kind !== 'Deployment') continue;
    const container = object.spec?.template?.spec?.containers?.find((c) => c.name === 'operator');
    const command = container?.command;
    if (command?.[0] !== 'node') continue;
    const env = Object.fromEntries(
      (container?.env ?? []).flatMap(({ name, value }) => (value === undefined ? [] : [[name, value]])),
    );
    // BENCH_OPERATOR_NODE_FLAGS="--flag ..." (#14, an experiment only): these Node flags instead of deploy/'s.
    const flags = process.env.BENCH_OPERATOR_NODE_FLAGS?.split(/\s+/).filter(Boolean);
    return flags
      ? { nodeFlags: flags, env, nodeFlagsExperiment: flags.join(' ') }
      : { nodeFlags: command.slice(1, -1), env };
  }
  throw new Error(`no operator container with a node command in ${DEPLOY}`);
}

/** Compiles the child and what it imports to dist/bench; returns the entry to run. */
export function compileOperatorChild(): string {
  execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', TSCONFIG], {
    stdio: 'inherit',
  });
  return ENTRY;
}

type ReportOf<T extends ChildReport['type']> = Extract<ChildReport, { type: T }>;

export class OperatorProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<
    string,
    { resolve: (r: ChildReport) => void; reject: (e: Error) => void }
  >();
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (report: ChildReport) => {
      if (report.type === 'failed') {
        const error = new Error(`operator child: ${report.message}`);
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
        return;
      }
      this.waiting.get(report.type)?.resolve(report);
      this.waiting.delete(report.type);
    });
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exited = true;
        const error = new Error(`operator child exited (${signal ?? code})`);
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
        resolve();
      }),
    );
  }

  /**
   * Spawns the compiled child for one namespace, with the production Node flags and env when given;
   * resolves once its modules are loaded.
   */
  static async spawn(
    entry: string,
    kubeconfigPath: string,
    namespace: string,
    workers: number,
    runtime: ProductionRuntime = { nodeFlags: [], env: {} },
  ) {
    const child = spawn(process.execPath, [...runtime.nodeFlags, entry], {
      env: {
        ...process.env,
        ...runtime.env,
        KUBECONFIG: kubeconfigPath,
        BENCH_NAMESPACE: namespace,
        WORKERS: String(workers),
      },
      // Its info-level log lines are not read: stdout is discarded, errors still show.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const operator = new OperatorProcess(child);
    await operator.next('loaded');
    return operator;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts the operator; resolves with its metrics port once its caches are synced. */
  async start(): Promise<number> {
    const started = this.next('started');
    this.send({ type: 'start' });
    return (await started).metricsPort;
  }

  async resync(keys: string[]): Promise<void> {
    const done = this.next('resynced');
    this.send({ type: 'resync', keys });
    await done;
  }

  /** Requests the operator made since the last take. */
  async take(): Promise<RequestCounts> {
    const reply = this.next('requests');
    this.send({ type: 'take' });
    return (await reply).counts;
  }

  /**
   * process.memoryUsage() inside the operator, and where its memory was at its highest sampled resident
   * set; with a path, a heap snapshot is written there first.
   */
  async memory(
    heapSnapshot?: string,
  ): Promise<{ usage: NodeJS.MemoryUsage; peak: MemoryAtPeak | undefined }> {
    const reply = this.next('memory');
    this.send({ type: 'memory', heapSnapshot });
    const { usage, peak } = await reply;
    return { usage, peak };
  }

  /** Peak and current RSS and CPU time, from /proc while it runs. */
  figures(): ProcessFigures {
    return processFigures(this.pid);
  }

  /** SIGTERM (the operator's own shutdown), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exit;
    clearTimeout(timer);
  }

  private send(command: ChildCommand): void {
    this.child.send(command);
  }

  private next<T extends ChildReport['type']>(type: T): Promise<ReportOf<T>> {
    if (this.exited) return Promise.reject(new Error('operator child has exited'));
    return new Promise((resolve, reject) =>
      this.waiting.set(type, { resolve: resolve as (r: ChildReport) => void, reject }),
    );
  }
}
