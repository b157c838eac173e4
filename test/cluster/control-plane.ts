// A real local Kubernetes control plane for tests and development: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (one fake node that runs pods), on free loopback
// ports, built from Go modules by build-binaries.sh. This is how envtest is used by Go operators.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCerts, type ClusterCerts } from './certs.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from '../support/wait-for.ts';
import { kubeconfigYaml } from './kubeconfig.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const FAKE_NODE_NAME = 'kwok-node-0';

export interface ControlPlaneInfo {
  kubeconfigPath: string;
  server: string;
  binDir: string;
  workDir: string;
  caCertPath: string;
  pids: number[];
}

export interface ControlPlane extends ControlPlaneInfo {
  stop(): Promise<void>;
}

export interface StartOptions {
  workDir?: string;
  /** Keep processes running after this Node process exits (make cluster-up). */
  detached?: boolean;
  log?: (line: string) => void;
  /**
   * kube-controller-manager's --horizontal-pod-autoscaler-sync-period; 5s by default here (the HPA tests'
   * pace), Kubernetes' own default is 15s (#14: the operator bench's experiment with it).
   */
  hpaSyncPeriod?: string;
}

/** Builds the binaries if needed (cached by version) and returns their directory. */
export function ensureBinaries(): string {
  const out = execFileSync(join(here, 'build-binaries.sh'), {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop() as string;
}

export async function startControlPlane(options: StartOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const binDir = ensureBinaries();
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'inventorybot-cluster-'));
  const logDir = join(workDir, 'logs');
  const certDir = join(workDir, 'pki');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(certDir, { recursive: true });
  const certs = makeCerts(certDir);
  const processes: ChildProcess[] = [];

  const run = (name: string, args: string[]): ChildProcess => {
    const out = openSync(join(logDir, `${name}.log`), 'a');
    const child = spawn(join(binDir, name), args, {
      stdio: ['ignore', out, out],
      detached: options.detached ?? false,
    });
    if (options.detached) child.unref();
    child.on('exit', (code, signal) => log(`${name} exited (${signal ?? code})`));
    processes.push(child);
    return child;
  };
  const stop = async () => {
    // etcd goes last: the API server hangs in shutdown without it.
    const [etcd, ...rest] = processes;
    for (const p of rest) p.kill('SIGTERM');
    await Promise.all(rest.map((p) => waitExit(p, 10_000)));
    etcd?.kill('SIGTERM');
    if (etcd) await waitExit(etcd, 10_000);
    if (!options.workDir) rmSync(workDir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(workDir, 'admin.kubeconfig');
    writeFileSync(
      kubeconfigPath,
      kubeconfigYaml({
        server,
        caCert: certs.caCert,
        clientCert: certs.adminCert,
        clientKey: certs.adminKey,
      }),
    );

    log('starting etcd');
    run('etcd', [
      '--name=default',
      `--data-dir=${join(workDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);

    log('starting kube-apiserver');
    run('kube-apiserver', apiserverArgs(certs, etcdPort as number, apiPort as number));
    await waitFor(
      () => httpsGet(apiPort as number, '/readyz', certs),
      (r) => r.status === 200,
      { timeoutMs: 120_000, intervalMs: 250, what: 'kube-apiserver /readyz' },
    );

    log('starting kube-controller-manager, kube-scheduler, kwok');
    run('kube-controller-manager', [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      '--leader-elect=false',
      '--use-service-account-credentials=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--horizontal-pod-autoscaler-sync-period=${options.hpaSyncPeriod ?? '5s'}`,
      '--concurrent-gc-syncs=5',
    ]);
    run('kube-scheduler', [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
    ]);
    run('kwok', [
      `--kubeconfig=${kubeconfigPath}`,
      `--config=${join(binDir, 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${kwokPort}`,
      // Fake pod and node addresses outside the Service range below.
      '--cidr=10.244.0.0/16',
      '--node-ip=10.245.0.1',
    ]);
    await createFakeNode(binDir, kubeconfigPath);
    await waitFor(
      () => nodeReady(binDir, kubeconfigPath),
      (ready) => ready,
      { timeoutMs: 60_000, intervalMs: 250, what: 'fake node Ready' },
    );
    await waitFor(
      () => kubectlOk(binDir, kubeconfigPath, ['get', 'serviceaccount', 'default', '-n', 'default']),
      (found) => found,
      { timeoutMs: 60_000, intervalMs: 250, what: 'default ServiceAccount' },
    );
    log(`control plane ready at ${server}`);

    const pids = processes.map((p) => p.pid as number);
    return { kubeconfigPath, server, binDir, workDir, caCertPath: certs.caCert, pids, stop };
  } catch (err) {
    await stop().catch(() => {});
    throw new Error(`${(err as Error).message}\n(logs in ${logDir}${options.workDir ? '' : ', removed'})`, {
      cause: err,
    });
  }
}

function apiserverArgs(certs: ClusterCerts, etcdPort: number, apiPort: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`,
    // A /16: room for 1,000+ bots' Services and more (#18; a /24 ran out at ~250 ClusterIPs).
    '--service-cluster-ip-range=10.0.0.0/16',
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${certs.serviceAccountPub}`,
    `--service-account-signing-key-file=${certs.serviceAccountKey}`,
    // Aggregation layer, so extension API servers (external metrics) can be registered.
    `--requestheader-client-ca-file=${certs.caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${certs.proxyClientCert}`,
    `--proxy-client-key-file=${certs.proxyClientKey}`,
    '--enable-aggregator-routing=true',
  ];
}

async function createFakeNode(binDir: string, kubeconfigPath: string): Promise<void> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: FAKE_NODE_NAME,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': FAKE_NODE_NAME,
        type: 'kwok',
      },
    },
    // Room for the 1,000-bot bench's workers (#18); a 4Ti request still fits nowhere.
    status: {
      allocatable: { cpu: '256', memory: '1Ti', pods: '2000' },
      capacity: { cpu: '256', memory: '1Ti', pods: '2000' },
    },
  };
  execFileSync(kubectlIn(binDir), ['--kubeconfig', kubeconfigPath, 'apply', '-f', '-'], {
    input: JSON.stringify(node),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

function nodeReady(binDir: string, kubeconfigPath: string): boolean {
  try {
    const out = execFileSync(
      kubectlIn(binDir),
      [
        '--kubeconfig',
        kubeconfigPath,
        'get',
        'node',
        FAKE_NODE_NAME,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out.trim() === 'True';
  } catch {
    return false;
  }
}

function kubectlOk(binDir: string, kubeconfigPath: string, args: string[]): boolean {
  try {
    execFileSync(kubectlIn(binDir), ['--kubeconfig', kubeconfigPath, ...args], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function httpsGet(
  port: number,
  path: string,
  certs: ClusterCerts,
): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'GET',
        timeout: 2000,
        ca: readFileSync(certs.caCert),
        cert: readFileSync(certs.adminCert),
        key: readFileSync(certs.adminKey),
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolveGet({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

export const repoRoot = resolve(here, '../..');

/** kubectl of the same version as the API server, built with it. */
export function kubectlIn(binDir: string): string {
  return join(binDir, 'kubectl');
}
