// `inventorybot worker` outside a container (#12): V8 sizes its heap from host memory (64 MiB
// semi-spaces, a 4 GiB old generation on a 24 GiB host: a busy worker passed 200 MiB RSS), and heap
// bounds can only be set on the node command line. So, unless that command line (or NODE_OPTIONS)
// already bounds the old generation, the worker command runs itself again once, in a child process with
// the bounds of contracts/worker-heap.ts (from the container's memory limit if there is one); stdio
// is shared, SIGINT/SIGTERM are passed on, the child's exit status is the command's, and the child stops
// at once if this process dies (its IPC channel closes), so a killed worker leaves no worker behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants, totalmem } from 'node:os';
import { workerHeap, workerHeapFlags } from '../contracts/worker-heap.ts';

/** Set in the child's environment: the heap is bounded, do not run again. */
export const WORKER_HEAP_ENV = 'INVENTORYBOT_WORKER_HEAP_BOUNDED';

/** Does this process already run with an old-generation bound (its own command line, NODE_OPTIONS, or a parent)? */
function heapBounded(env: NodeJS.ProcessEnv = process.env): boolean {
  const flags = [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return env[WORKER_HEAP_ENV] === '1' || flags.some((f) => f.startsWith('--max-old-space-size'));
}

/**
 * Must this command line run itself again with heap bounds? The one place that decides (main.ts asks
 * before it loads the command tree): `inventorybot worker`, not yet bounded. The program has no options
 * before its command, so the command is argv[2].
 */
export function workerNeedsHeapBounds(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return argv[2] === 'worker' && !heapBounded(env);
}

/** The memory limit of this process's cgroup, if it has one below the host's memory. */
function containerLimit(): number | undefined {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < totalmem() ? limit : undefined;
}

/** Runs this same command in a child with heap bounds; resolves with its exit status. */
export async function runWithHeapBounds(): Promise<number> {
  const flags = workerHeapFlags(workerHeap(containerLimit()));
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [WORKER_HEAP_ENV]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  return code ?? 128 + (signal ? constants.signals[signal] : 0);
}

/** In the child: stop at once when the parent is gone; otherwise the IPC channel keeps nothing alive. */
export function followParent(): void {
  if (process.env[WORKER_HEAP_ENV] !== '1' || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
