// A network namespace with a veth pair, so the kube-apiserver (on the host) can reach a process we run
// through a non-loopback address, as an Endpoint address must be. Needs root and iproute2.
//   host 10.213.X.1/30 <-veth-> 10.213.X.2/30 (inside the namespace)
// expose() runs a forwarder inside the namespace on 10.213.X.2:<port> to a unix socket (filesystem
// unix sockets cross network namespaces) and one on the host from that socket to 127.0.0.1:<port>.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.ts';
import { requireBinary } from './required-binary.ts';

const FORWARDER = join(dirname(fileURLToPath(import.meta.url)), 'tcp-forwarder.ts');

const ip = (...args: string[]) =>
  execFileSync(requireBinary('/usr/sbin/ip'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export interface NetworkNamespace {
  name: string;
  hostAddress: string;
  address: string;
  /** Makes 127.0.0.1:targetPort on the host reachable at address:port. */
  expose(port: number, targetPort: number): Promise<void>;
  remove(): Promise<void>;
}

function usedSubnets(): Set<number> {
  const used = new Set<number>();
  for (const m of ip('-4', 'addr').matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

export async function createNetworkNamespace(): Promise<NetworkNamespace> {
  const id = randomBytes(3).toString('hex');
  const name = `ib-${id}`;
  const used = usedSubnets();
  const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !used.has(i));
  const x = free[Math.floor(Math.random() * free.length)];
  if (x === undefined) throw new Error('no free 10.213.X.0/30 subnet');
  const hostAddress = `10.213.${x}.1`;
  const address = `10.213.${x}.2`;
  const hostIf = `ibh${id}`;
  const nsIf = `ibn${id}`;
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const processes: ChildProcess[] = [];

  const remove = async () => {
    for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(
      processes.map((p) =>
        p.exitCode !== null || p.signalCode !== null
          ? undefined
          : new Promise((resolve) => p.once('exit', resolve)),
      ),
    );
    for (const args of [
      ['link', 'del', hostIf],
      ['netns', 'del', name],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone (deleting the namespace also deletes its end of the pair, and so the pair)
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    ip('netns', 'add', name);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/30`, 'dev', nsIf);
    ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    await remove();
    throw error;
  }

  const forwarder = async (command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    processes.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(
      () => ({ out, exited: child.exitCode }),
      (s) => s.out.includes('listening') || s.exited !== null,
      { timeoutMs: 15_000, what: `forwarder ${args.join(' ')}` },
    );
    if (!out.includes('listening')) throw new Error(`forwarder failed: ${out}`);
  };

  return {
    name,
    hostAddress,
    address,
    async expose(port, targetPort) {
      const socket = join(dir, `${port}.sock`);
      const node = [process.execPath, '--experimental-strip-types', '--no-warnings', FORWARDER];
      await forwarder(node[0] as string, [...node.slice(1), socket, `127.0.0.1:${targetPort}`]);
      await forwarder('ip', ['netns', 'exec', name, ...node, `${address}:${port}`, socket]);
    },
    remove,
  };
}
