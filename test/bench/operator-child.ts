// The operator as the operator benchmark runs it (#14): in a process of its own, compiled to JS like
// the image (operator-process.ts compiles it), started as src/operator/main.ts starts it (startOperator,
// info-level logs to stdout), except that the metrics server binds 127.0.0.1 on a free port, the
// periodic status.queue refresh is off (the bench's resync is the only trigger) and the API requests
// are counted. Over the IPC channel: `start` starts it (the bench's clock runs from there), `resync`
// queues the bots it is given, as an informer resync does, `take` returns the requests counted since the last take, `memory` its memory usage (and
// writes a heap snapshot when asked).
import { writeHeapSnapshot } from 'node:v8';
import { createLogger, type LogLevel } from '../../src/contracts/logger.ts';
import { startOperator, type OperatorHandle } from '../../src/operator/start-operator.ts';
import { CountingKubeConfig } from './request-counter.ts';

export type ChildCommand =
  | { type: 'start' }
  | { type: 'resync'; keys: string[] }
  | { type: 'take' }
  | { type: 'memory'; heapSnapshot?: string };
export type ChildReport =
  | { type: 'loaded' }
  | { type: 'started'; metricsPort: number }
  | { type: 'resynced'; bots: number }
  | { type: 'requests'; counts: ReturnType<CountingKubeConfig['take']> }
  | { type: 'memory'; usage: NodeJS.MemoryUsage; heapSnapshot?: string }
  | { type: 'failed'; message: string };

const env = process.env;
const namespace = env.BENCH_NAMESPACE ?? '';
const kubeConfig = new CountingKubeConfig();
kubeConfig.loadFromFile(env.KUBECONFIG ?? '');
let handle: OperatorHandle | undefined;
const send = (report: ChildReport) => process.send?.(report);

async function handle_(command: ChildCommand): Promise<void> {
  if (command.type === 'start') {
    handle = await startOperator({
      kubeConfig,
      namespaces: [namespace],
      workers: Number(env.WORKERS ?? 4),
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      queueRefreshMs: 600_000,
      logger: createLogger({
        level: (env.LOG_LEVEL as LogLevel | undefined) ?? 'info',
        base: { component: 'inventorybot-operator' },
      }),
    });
    send({ type: 'started', metricsPort: handle.metricsPort });
  } else if (command.type === 'resync') {
    const controller = handle?.controller();
    if (!controller) throw new Error('operator has no controller');
    for (const key of command.keys) controller.queue.add(key);
    send({ type: 'resynced', bots: command.keys.length });
  } else if (command.type === 'memory') {
    const heapSnapshot = command.heapSnapshot ? writeHeapSnapshot(command.heapSnapshot) : undefined;
    send({ type: 'memory', usage: process.memoryUsage(), heapSnapshot });
  } else {
    send({ type: 'requests', counts: kubeConfig.take() });
  }
}

process.on('message', (command: ChildCommand) => {
  handle_(command).catch((error: unknown) =>
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.once('SIGTERM', () => {
  process.disconnect?.();
  (handle?.stop() ?? Promise.resolve()).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
send({ type: 'loaded' });
