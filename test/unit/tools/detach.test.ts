// A daemon started by our scripts must not inherit their descriptors: dockerd inherited
// build-node-images.sh's flock, the real-node suite's second image build waited on it forever, and CI
// timed out (stop 19). Real bash, real flock(1), a real background process.
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const lib = resolve('test/tools/lib');
const started: number[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function waitFor(condition: () => boolean): void {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within 5 s: ${condition.toString()}`);
    execFileSync('sleep', ['0.02']);
  }
}

/** Runs a script that takes a lock on fd 9, starts `sleep` with `detach`, and exits; returns the lock and pid. */
function startUnderLock(): { lock: string; pid: number; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'detach-'));
  dirs.push(dir);
  const lock = join(dir, 'lock');
  const log = join(dir, 'daemon.log');
  const script = `source ${lib}/detach.sh; exec 9>"$1"; flock 9; exec 7>"$1.other"; detach "$2" sh -c 'echo daemon up; exec sleep 60'; echo "$DETACHED_PID"`;
  const out = execFileSync('bash', ['-c', script, 'bash', lock, log], { encoding: 'utf8' });
  const pid = Number(out.trim());
  started.push(pid);
  // The starter returns at once; wait until the daemon has exec'd (setsid, then sleep) before looking at it.
  waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0'));
  return { lock, pid, log };
}

describe('detach (test/tools/lib/detach.sh)', () => {
  it('leaves the starter’s flock free once the starter exits, while the daemon runs on', () => {
    const { lock, pid } = startUnderLock();
    expect(() => process.kill(pid, 0)).not.toThrow();
    const probe = spawnSync('flock', ['-n', lock, 'true']);
    expect(probe.status).toBe(0);
  });

  it('gives the daemon no descriptor above 2, and its output goes to the log file', () => {
    const { lock, pid, log } = startUnderLock();
    const fds = execFileSync('ls', [`/proc/${pid}/fd`], { encoding: 'utf8' })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    const targets = fds
      .filter((fd) => fd > 2)
      .map((fd) => execFileSync('readlink', [`/proc/${pid}/fd/${fd}`], { encoding: 'utf8' }).trim());
    expect(targets).toEqual([]);
    expect(execFileSync('readlink', [`/proc/${pid}/fd/1`], { encoding: 'utf8' }).trim()).toBe(log);
    expect(targets).not.toContain(lock);
    expect(readFileSync(log, 'utf8')).toContain('daemon up');
  });

  it('starts the daemon in its own session, so the starter’s terminal signals do not reach it', () => {
    const { pid } = startUnderLock();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const sid = Number(fields[3]);
    expect(sid).toBe(pid);
  });
});
