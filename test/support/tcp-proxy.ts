// An in-process TCP proxy for fault injection between a client and a server (e.g. the operator and
// the kube-apiserver): forwards bytes both ways and can
// - cut(): destroy every open connection at once (the client sees ECONNRESET / "other side closed");
// - refuse(true): reset each new connection as soon as it is accepted (like a server that is down);
// - blackHole(true): stop forwarding on every open and new connection, keeping them open (like a NAT or
//   load balancer that silently lost the flow); those connections stay dead for good, only connections
//   opened after blackHole(false) forward again.
// TLS passes through untouched, so the client still verifies the server's certificate.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections currently open. */
  open(): number;
  cut(): void;
  refuse(on: boolean): void;
  blackHole(on: boolean): void;
  close(): Promise<void>;
}

interface Pair {
  inbound: Socket;
  outbound: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let refusing = false;
  let blackHoling = false;
  let acceptedCount = 0;

  const silence = ({ inbound, outbound }: Pair) => {
    inbound.unpipe(outbound);
    outbound.unpipe(inbound);
    inbound.pause();
    outbound.pause();
  };

  const server: Server = createServer((inbound) => {
    acceptedCount++;
    if (refusing) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = createConnection(target);
    const pair = { inbound, outbound };
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
    inbound.on('close', close);
    outbound.on('close', close);
    if (blackHoling) silence(pair);
    else inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no TCP address');

  const cut = () => {
    for (const { inbound, outbound } of pairs) {
      inbound.resetAndDestroy();
      outbound.destroy();
    }
    pairs.clear();
  };

  return {
    port: address.port,
    accepted: () => acceptedCount,
    open: () => pairs.size,
    cut,
    refuse(on) {
      refusing = on;
    },
    blackHole(on) {
      blackHoling = on;
      if (on) pairs.forEach(silence);
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
