// Runs the real operator entry point (src/operator/main.ts) as a child process, with its JSON log lines
// parsed as they come, for the cluster tests that need the operator as users run it (leader election,
// the Lease's owner). The child runs on the test's kubeconfig; kill it with stopAll() in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EVENT_FIELD, parseLogLine, type LogRecord } from '../../src/contracts/log-line.ts';
import { eachLine } from './each-line.ts';

export const OPERATOR_MAIN = fileURLToPath(new URL('../../src/operator/main.ts', import.meta.url));

/** A parsed log line with the time it arrived (and the leader elector's identity, where it logs one). */
export type OperatorLogLine = LogRecord & { identity?: string; at: number };

export interface OperatorProcess {
  child: ChildProcess;
  /** Parsed log lines so far. */
  lines: OperatorLogLine[];
  /** The first line logging this event, if any yet. */
  logged(event: string): OperatorLogLine | undefined;
}

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  /** Command-line flags after the entry point (see main.ts's usage). */
  args: string[];
  env?: Record<string, string>;
}

export function spawnOperator(options: OperatorProcessOptions): OperatorProcess {
  const child = spawn(
    process.execPath,
    ['--experimental-strip-types', '--no-warnings', OPERATOR_MAIN, ...options.args],
    {
      env: { ...process.env, KUBECONFIG: options.kubeconfigPath, ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: OperatorProcess['lines'] = [];
  eachLine(child.stdout, (line) => {
    const record = parseLogLine(line);
    if (record) lines.push({ ...record, at: Date.now() });
  });
  return { child, lines, logged: (event) => lines.find((l) => l[EVENT_FIELD] === event) };
}

/** Leader-elected operator flags for one namespace, as the chart runs it (metrics on a free loopback port). */
export function leaderElectedArgs(namespace: string): string[] {
  return [
    '--metrics-address=127.0.0.1',
    '--leader-elect',
    `--lease-namespace=${namespace}`,
    `--namespaces=${namespace}`,
    '--metrics-port=0',
  ];
}

/** SIGKILLs every process still running (afterAll). */
export function killAll(processes: OperatorProcess[]): void {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}
