// A tiny TCP forwarder, run as its own process (so it can run inside a network namespace with
// `ip netns exec`): `node tcp-forwarder.ts LISTEN TARGET`, each a `host:port` or a unix socket path.
// Prints "listening" once it accepts connections. No imports beyond node: it runs outside jest.
import { createConnection, createServer } from 'node:net';
import { rmSync } from 'node:fs';

const [listen, target] = process.argv.slice(2);
if (!listen || !target) {
  console.error('usage: tcp-forwarder.ts LISTEN TARGET (host:port or /unix/path)');
  process.exit(2);
}

type Endpoint = { path: string } | { host: string; port: number };
const endpoint = (spec: string): Endpoint => {
  if (spec.startsWith('/')) return { path: spec };
  const at = spec.lastIndexOf(':');
  return { host: spec.slice(0, at), port: Number(spec.slice(at + 1)) };
};

const server = createServer((inbound) => {
  const outbound = createConnection(endpoint(target));
  inbound.pipe(outbound).pipe(inbound);
  const close = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close);
  outbound.on('error', close);
  inbound.on('close', close);
  outbound.on('close', close);
});
const where = endpoint(listen);
if ('path' in where) rmSync(where.path, { force: true });
server.listen(where, () => console.log('listening'));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
