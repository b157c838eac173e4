// Starts our own .ts/.js entry points (simulator, worker) as child processes with the running Node.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Works from the sources (.ts, type stripping) and from a build (.js).
const EXT = extname(fileURLToPath(import.meta.url));

export function entryPoint(relativeToSrc: string): string {
  return fileURLToPath(new URL(`../../${relativeToSrc}${EXT}`, import.meta.url));
}

export interface Child {
  process: ChildProcess;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startChild(entry: string, env: Record<string, string>, logFile: string): Child {
  const out = openSync(logFile, 'a');
  const args = EXT === '.ts' ? ['--experimental-strip-types', '--no-warnings', entry] : [entry];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
