// A real one-node cluster (#10): etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd,
// kubelet, kube-proxy (iptables), CNI bridge, CoreDNS and metrics-server, all inside a network namespace
// this harness creates and joins to the host by a veth pair, so the product's own image runs as real pods.
// Nothing touches the host's network: kube-proxy's rules, ip_forward and the bridge live in the namespace.
// Settings and blockers (see NOTES.md "A real node here"): cgroup v1 with the cgroupfs driver and a
// cgroupRoot of our own, restrict_oom_score_adj (no CAP_SYS_RESOURCE here), netns mounts under containerd's
// state dir, apiserver --kubelet-preferred-address-types=InternalIP, daemons started with
// `nsenter --net` only (so the kubelet's mounts stay visible to containerd).
// Every daemon (and so every containerd shim) runs in a pids cgroup of ours, pods under the kubelet's
// cgroupRoot: teardown kills both cgroups' processes, unmounts everything under the work dir, removes the
// cgroups, the namespace (and with it the veth pair) and the work dir.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { makeCerts } from './certs.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { ensureBinaries } from './control-plane.ts';
import { waitFor } from '../support/wait-for.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CGROUP_FS = '/sys/fs/cgroup';
const SERVICE_CIDR = '10.0.0.0/24';
const DNS_IP = '10.0.0.10';
const POD_CIDR = '10.244.0.0/24';
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const REDIS_IMAGE = 'inventorybot.local/redis:7';
export const PROJECT_IMAGE = 'inventorybot.local/inventorybot:e2e';
/** kube-controller-manager's HPA sync period on the real node: tests time scale-outs against it (#15). */
export const HPA_SYNC_PERIOD_SECONDS = 5;

/** What `node-down`, tests and people need to reach and remove a running real node. */
export interface RealNodeInfo {
  id: string;
  kubeconfigPath: string;
  server: string;
  binDir: string;
  workDir: string;
  caCertPath: string;
  nodeName: string;
  netns: string;
  hostVeth: string;
  nodeAddress: string;
  cgroups: string[];
  pids: number[];
}

export interface RealNode extends RealNodeInfo {
  stop(): Promise<void>;
}

export interface RealNodeOptions {
  /** Keep the daemons running after this process exits (make node-up). */
  detached?: boolean;
  /** Image archives to import (default: pause, redis and the project image from build-node-images.sh). */
  images?: string[];
  log?: (line: string) => void;
}

const sh = (cmd: string, args: string[], input?: string): string =>
  execFileSync(cmd, args, { encoding: 'utf8', input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
const quiet = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // teardown goes on: the thing is already gone
  }
};

/** Builds the node binaries and images if needed (both cached, version-stamped). */
export function ensureNodeBuilds(log: (line: string) => void): { binDir: string; imageDir: string } {
  const build = (script: string) =>
    (
      execFileSync(join(here, script), { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() as string
    ).trim();
  ensureBinaries();
  log('node binaries');
  const binDir = build('build-node-binaries.sh');
  log('node images');
  const imageDir = build('build-node-images.sh');
  return { binDir, imageDir };
}

function freeSubnet(): number {
  const used = new Set<number>();
  for (const m of sh('ip', ['-4', 'addr']).matchAll(/inet 10\.215\.(\d+)\./g)) used.add(Number(m[1]));
  const free = Array.from({ length: 256 }, (_, i) => i).filter((i) => !used.has(i));
  const x = free[Math.floor(Math.random() * free.length)];
  if (x === undefined) throw new Error('no free 10.215.X.0/30 subnet for the node veth');
  return x;
}

function cgroupControllers(): string[] {
  // cgroup v1 hierarchies mounted here (cpu, cpuacct, cpuset, memory, pids, ...); v2 has one tree.
  return readdirSync(CGROUP_FS).filter((d) => existsSync(join(CGROUP_FS, d, 'cgroup.procs')));
}

function signClientCert(pkiDir: string, name: string, subject: string, sans?: string): void {
  const ext = sans
    ? `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${sans}\n`
    : 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  writeFileSync(join(pkiDir, `${name}.ext`), ext);
  const o = (args: string[]) =>
    execFileSync('openssl', args, { cwd: pkiDir, stdio: ['ignore', 'ignore', 'pipe'] });
  o(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  o(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  o(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
    ].concat(['-extfile', `${name}.ext`, '-out', `${name}.crt`]),
  );
}

/** Mount points under dir, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function cgroupPids(path: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
      if (line) pids.push(Number(line));
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(path);
  return pids;
}

function removeCgroupTree(path: string): void {
  if (!existsSync(path)) return;
  for (const e of readdirSync(path, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(join(path, e.name));
  quiet(() => rmdirSync(path));
}

async function killCgroup(path: string): Promise<void> {
  // Kill until empty: a dying process can still fork (a shim starting a container).
  for (let round = 0; round < 50; round++) {
    const pids = cgroupPids(path);
    if (pids.length === 0) return;
    for (const pid of pids) quiet(() => process.kill(pid, 'SIGKILL'));
    await sleep(100);
  }
}

/** Unix sockets under dir that these processes listen on (containerd shims: /run/containerd/s/<hash>). */
function socketsOf(pids: number[], dir: string): string[] {
  const paths = new Set<string>();
  for (const pid of pids) {
    quiet(() => {
      const inodes = new Set(
        readdirSync(`/proc/${pid}/fd`)
          .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1])
          .filter((inode) => inode !== undefined),
      );
      // /proc/PID/net/unix: Num RefCount Protocol Flags Type St Inode Path (the process's network namespace)
      for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[6] && inodes.has(f[6]) && f[7]?.startsWith(`${dir}/`)) paths.add(f[7]);
      }
    });
  }
  return [...paths];
}

/** Removes everything a real node made; safe to call on a half-built node and twice. */
export async function removeRealNode(
  info: Pick<RealNodeInfo, 'workDir' | 'netns' | 'hostVeth' | 'cgroups' | 'pids'>,
) {
  // containerd's shims put their sockets in the fixed /run/containerd/s: note ours before killing them.
  const shimSockets = info.cgroups.flatMap((cg) => socketsOf(cgroupPids(cg), '/run/containerd/s'));
  // Pods and daemons first (SIGKILL: the data goes with the work dir), then the mounts they left.
  for (const cg of info.cgroups) await killCgroup(cg);
  for (const pid of info.pids) quiet(() => process.kill(pid, 'SIGKILL'));
  for (const cg of info.cgroups) await killCgroup(cg);
  for (const mount of mountsUnder(info.workDir)) quiet(() => sh('umount', ['-l', mount]));
  for (const cg of info.cgroups) removeCgroupTree(cg);
  // The kubelet links container logs from the fixed /var/log/containers: remove the links to our logs.
  const links = '/var/log/containers';
  if (existsSync(links))
    for (const name of readdirSync(links)) {
      const path = join(links, name);
      quiet(() => {
        if (readlinkSync(path).startsWith(`${info.workDir}/`)) rmSync(path);
      });
    }
  for (const socket of shimSockets) rmSync(socket, { force: true });
  quiet(() => sh('ip', ['link', 'del', info.hostVeth]));
  quiet(() => sh('ip', ['netns', 'del', info.netns]));
  rmSync(info.workDir, { recursive: true, force: true });
}

export async function startRealNode(options: RealNodeOptions = {}): Promise<RealNode> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const { binDir, imageDir } = ensureNodeBuilds(log);
  const id = randomBytes(3).toString('hex');
  const cacheDir = process.env.INVENTORYBOT_CACHE ?? join(homedir(), '.cache', 'inventorybot');
  const workDir = join(cacheDir, 'node', `run-${id}`);
  const netns = `ibnode-${id}`;
  const hostVeth = `ibnh${id}`;
  const nsVeth = `ibnn${id}`;
  const x = freeSubnet();
  const hostAddress = `10.215.${x}.1`;
  const nodeAddress = `10.215.${x}.2`;
  const nodeName = `ib-node-${id}`;
  const cgroupName = `inventorybot-node-${id}`;
  // Daemons (and the shims containerd forks) in a pids cgroup; pods under the kubelet's cgroupRoot.
  const daemonCgroup = join(
    CGROUP_FS,
    existsSync(join(CGROUP_FS, 'pids', 'cgroup.procs')) ? 'pids' : '',
    `${cgroupName}-daemons`,
  );
  const podCgroups = cgroupControllers().map((c) => join(CGROUP_FS, c, cgroupName));
  const info: RealNodeInfo = {
    id,
    kubeconfigPath: join(workDir, 'admin.kubeconfig'),
    server: `https://${nodeAddress}:6443`,
    binDir,
    workDir,
    caCertPath: join(workDir, 'pki', 'ca.crt'),
    nodeName,
    netns,
    hostVeth,
    nodeAddress,
    cgroups: [daemonCgroup, ...podCgroups],
    pids: [],
  };
  const logDir = join(workDir, 'logs');
  const pki = join(workDir, 'pki');
  const stop = () => removeRealNode(info);
  // A daemon that dies during bring-up fails it at once instead of at the next timeout.
  const exited: string[] = [];
  const up = async <T>(probe: () => T, done: (v: T) => boolean, timeoutMs: number, what: string) => {
    const result = await waitFor(
      () => {
        if (exited.length > 0) return { dead: exited.join(', ') };
        return { value: probe() };
      },
      (r) => 'dead' in r || done(r.value),
      { timeoutMs, intervalMs: 250, what },
    );
    if ('dead' in result) throw new Error(`exited during bring-up: ${result.dead}`);
    return result.value;
  };

  try {
    for (const d of [logDir, pki, join(workDir, 'cni', 'net.d'), join(workDir, 'pod-logs')])
      mkdirSync(d, { recursive: true });

    // ---- network namespace joined to the host by a veth pair (only a connected /30 route on the host)
    log(`network namespace ${netns} (${nodeAddress})`);
    sh('ip', ['netns', 'add', netns]);
    sh('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth]);
    sh('ip', ['link', 'set', nsVeth, 'netns', netns]);
    sh('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostVeth]);
    sh('ip', ['link', 'set', hostVeth, 'up']);
    const inNs = (args: string[]) => sh('nsenter', [`--net=/run/netns/${netns}`, ...args]);
    inNs(['ip', 'addr', 'add', `${nodeAddress}/30`, 'dev', nsVeth]);
    inNs(['ip', 'link', 'set', nsVeth, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    inNs(['ip', 'route', 'add', 'default', 'via', hostAddress]);
    // Forwarding and bridged traffic through iptables (Services between pods on the bridge): this
    // namespace only; the host's ip_forward stays as it is.
    inNs(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    inNs(['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']);

    // ---- cgroups
    mkdirSync(daemonCgroup, { recursive: true });
    for (const cg of podCgroups) {
      mkdirSync(cg, { recursive: true });
      if (cg.includes('/cpuset/'))
        for (const f of ['cpuset.cpus', 'cpuset.mems'])
          writeFileSync(join(cg, f), readFileSync(join(dirname(cg), f), 'utf8'));
    }

    // ---- certificates and kubeconfigs
    const certs = makeCerts(pki, [`IP:${nodeAddress}`]);
    signClientCert(pki, 'kubelet', `/O=system:nodes/CN=system:node:${nodeName}`);
    signClientCert(pki, 'kubelet-serving', `/CN=${nodeName}`, `IP:${nodeAddress},DNS:${nodeName}`);
    writeFileSync(
      info.kubeconfigPath,
      kubeconfigYaml({
        server: info.server,
        caCert: certs.caCert,
        clientCert: certs.adminCert,
        clientKey: certs.adminKey,
      }),
    );
    const kubeletKubeconfig = join(workDir, 'kubelet.kubeconfig');
    writeFileSync(
      kubeletKubeconfig,
      kubeconfigYaml({
        server: info.server,
        caCert: certs.caCert,
        clientCert: join(pki, 'kubelet.crt'),
        clientKey: join(pki, 'kubelet.key'),
        user: `system:node:${nodeName}`,
      }),
    );
    const admin = info.kubeconfigPath;

    // ---- daemons: each one enters the namespace (network only) and our cgroup before it execs
    const start = (name: string, bin: string, args: string[], env: Record<string, string> = {}) => {
      // bash: join our pids cgroup, then `nsenter --net` execs the daemon (same PID) with its log file.
      const child = spawn(
        'bash',
        [
          '-c',
          'echo $$ > "$1/cgroup.procs" && exec nsenter --net="$2" -- "${@:4}" >>"$3" 2>&1',
          'bash',
        ].concat([daemonCgroup, `/run/netns/${netns}`, join(logDir, `${name}.log`), bin, ...args]),
        { stdio: 'ignore', detached: true, env: { ...process.env, ...env } },
      );
      info.pids.push(child.pid as number);
      if (options.detached) child.unref();
      child.on('exit', (code, signal) => {
        log(`${name} exited (${signal ?? code})`);
        exited.push(`${name} (${signal ?? code}, log ${join(logDir, `${name}.log`)})`);
      });
      return child;
    };
    const bin = (name: string) => join(binDir, name);

    log('etcd, kube-apiserver');
    start('etcd', bin('etcd'), [
      '--name=default',
      `--data-dir=${join(workDir, 'etcd')}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=default=http://127.0.0.1:2380',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    start('kube-apiserver', bin('kube-apiserver'), [
      '--etcd-servers=http://127.0.0.1:2379',
      '--bind-address=0.0.0.0',
      `--advertise-address=${nodeAddress}`,
      '--secure-port=6443',
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      `--client-ca-file=${certs.caCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      `--requestheader-client-ca-file=${certs.caCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${certs.proxyClientCert}`,
      `--proxy-client-key-file=${certs.proxyClientKey}`,
      '--enable-aggregator-routing=true',
      // logs/exec/port-forward: reach the kubelet by its address, not a DNS name (NOTES.md).
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      `--kubelet-client-certificate=${certs.adminCert}`,
      `--kubelet-client-key=${certs.adminKey}`,
      `--kubelet-certificate-authority=${certs.caCert}`,
    ]);
    const kubectl = (args: string[], input?: string) =>
      sh(bin('kubectl'), ['--kubeconfig', admin, ...args], input);
    await up(
      () => kubectl(['get', '--raw', '/readyz']),
      (out) => out.trim() === 'ok',
      120_000,
      'kube-apiserver /readyz',
    );

    log('kube-controller-manager, kube-scheduler, containerd');
    start('kube-controller-manager', bin('kube-controller-manager'), [
      `--kubeconfig=${admin}`,
      `--authentication-kubeconfig=${admin}`,
      `--authorization-kubeconfig=${admin}`,
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      '--bind-address=127.0.0.1',
      `--horizontal-pod-autoscaler-sync-period=${HPA_SYNC_PERIOD_SECONDS}s`,
      '--node-monitor-grace-period=20s',
    ]);
    start('kube-scheduler', bin('kube-scheduler'), [
      `--kubeconfig=${admin}`,
      `--authentication-kubeconfig=${admin}`,
      `--authorization-kubeconfig=${admin}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
    ]);

    const ctrDir = join(workDir, 'containerd');
    const socket = join(ctrDir, 'containerd.sock');
    const cniConf = join(workDir, 'cni', 'net.d');
    writeFileSync(
      join(cniConf, '10-inventorybot.conflist'),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'inventorybot',
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: POD_CIDR }]],
              routes: [{ dst: '0.0.0.0/0' }],
              dataDir: join(workDir, 'cni', 'ipam'),
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      }),
    );
    const ctrConfig = join(ctrDir, 'config.toml');
    mkdirSync(ctrDir, { recursive: true });
    writeFileSync(
      ctrConfig,
      `version = 3
root = "${ctrDir}/root"
state = "${ctrDir}/state"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${ctrDir}/ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.nri.v1.nri"]
  disable = true
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${PAUSE_IMAGE}"
[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  disable_apparmor = true
  # No CAP_SYS_RESOURCE on this VM: runc cannot lower oom_score_adj (NOTES.md).
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["${join(binDir, 'cni')}"]
    conf_dir = "${cniConf}"
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        # runc state of this run only (the default /run/containerd/runc is shared by every containerd).
        Root = "${ctrDir}/runc"
        SystemdCgroup = false
`,
    );
    const pathEnv = { PATH: `${binDir}:/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin` };
    start('containerd', bin('containerd'), ['--config', ctrConfig], pathEnv);
    const ctr = (args: string[]) => sh(bin('ctr'), ['--address', socket, '-n', 'k8s.io', ...args]);
    await up(
      () => ctr(['version']),
      (out) => out.includes('Server'),
      60_000,
      'containerd',
    );
    const archives =
      options.images ?? ['pause.tar', 'redis.tar', 'inventorybot.tar'].map((f) => join(imageDir, f));
    for (const archive of archives) {
      log(`import ${archive}`);
      // --local: plain unpack through the client (the transfer service wants a platform match per blob).
      ctr(['images', 'import', '--local', '--platform', 'linux/amd64', archive]);
    }

    log('kubelet, kube-proxy, CoreDNS, metrics-server');
    const kubeletConfig = join(workDir, 'kubelet.yaml');
    const resolvConf = join(workDir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${DNS_IP}\n`);
    writeFileSync(
      kubeletConfig,
      stringify({
        apiVersion: 'kubelet.config.k8s.io/v1beta1',
        kind: 'KubeletConfiguration',
        address: nodeAddress,
        port: 10250,
        readOnlyPort: 0,
        healthzBindAddress: '127.0.0.1',
        healthzPort: 10248,
        tlsCertFile: join(pki, 'kubelet-serving.crt'),
        tlsPrivateKeyFile: join(pki, 'kubelet-serving.key'),
        authentication: {
          anonymous: { enabled: false },
          webhook: { enabled: true },
          x509: { clientCAFile: certs.caCert },
        },
        authorization: { mode: 'Webhook' },
        containerRuntimeEndpoint: `unix://${socket}`,
        // cgroup v1 here: the kubelet warns instead of refusing; pods under a cgroup root of ours.
        failCgroupV1: false,
        cgroupDriver: 'cgroupfs',
        cgroupRoot: `/${cgroupName}`,
        clusterDNS: [DNS_IP],
        clusterDomain: 'cluster.local',
        resolvConf,
        podLogsDir: join(workDir, 'pod-logs'),
        failSwapOn: false,
        // Our images cannot be pulled again: never garbage-collect them, never evict for disk.
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
        syncFrequency: '10s',
        nodeStatusUpdateFrequency: '5s',
        serializeImagePulls: false,
        maxPods: 110,
      }),
    );
    start(
      'kubelet',
      bin('kubelet'),
      [
        `--config=${kubeletConfig}`,
        `--kubeconfig=${kubeletKubeconfig}`,
        `--root-dir=${join(workDir, 'kubelet')}`,
        `--hostname-override=${nodeName}`,
        `--node-ip=${nodeAddress}`,
        '--v=1',
      ],
      pathEnv,
    );
    const proxyConfig = join(workDir, 'kube-proxy.yaml');
    writeFileSync(
      proxyConfig,
      stringify({
        apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
        kind: 'KubeProxyConfiguration',
        clientConnection: { kubeconfig: admin },
        mode: 'iptables',
        clusterCIDR: POD_CIDR,
        hostnameOverride: nodeName,
        bindAddress: nodeAddress,
        metricsBindAddress: '127.0.0.1:10249',
        healthzBindAddress: '127.0.0.1:10256',
        // Leave the kernel-wide conntrack sysctls alone (0 = do not set).
        conntrack: {
          maxPerCore: 0,
          min: 0,
          tcpEstablishedTimeout: '0s',
          tcpCloseWaitTimeout: '0s',
        },
      }),
    );
    start('kube-proxy', bin('kube-proxy'), [`--config=${proxyConfig}`], pathEnv);

    // CoreDNS and metrics-server run as node daemons (processes in the namespace) behind Services
    // with Endpoints at the node address, as the cluster's DNS and resource-metrics API.
    const corefile = join(workDir, 'Corefile');
    writeFileSync(
      corefile,
      `.:53 {
    bind ${nodeAddress}
    errors
    ready ${nodeAddress}:8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${admin}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    cache 5
}
`,
    );
    start('coredns', bin('coredns'), ['-conf', corefile]);
    start('metrics-server', bin('metrics-server'), [
      `--kubeconfig=${admin}`,
      `--authentication-kubeconfig=${admin}`,
      `--authorization-kubeconfig=${admin}`,
      `--bind-address=${nodeAddress}`,
      '--secure-port=4443',
      `--cert-dir=${join(workDir, 'metrics-server')}`,
      `--kubelet-certificate-authority=${certs.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--metric-resolution=15s',
    ]);
    kubectl(['apply', '-f', '-'], nodeServicesYaml(nodeAddress));

    await up(
      () =>
        kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']),
      (s) => s.trim() === 'True',
      120_000,
      `node ${nodeName} Ready`,
    );
    await up(
      () => kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'name']),
      (s) => s.trim() !== '',
      60_000,
      'default ServiceAccount',
    );
    await up(
      () =>
        kubectl([
          'get',
          'apiservice',
          'v1beta1.metrics.k8s.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ]),
      (s) => s.trim() === 'True',
      120_000,
      'metrics.k8s.io Available',
    );
    log(`real node ${nodeName} ready at ${info.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { ...info, stop };
  } catch (err) {
    const keep = join(cacheDir, 'node', `failed-${id}-logs`);
    quiet(() => sh('cp', ['-r', logDir, keep]));
    await stop().catch(() => {});
    throw new Error(`${(err as Error).message}\n(daemon logs kept in ${keep})`, { cause: err });
  }
}

function nodeServicesYaml(nodeAddress: string): string {
  // Endpoints for Services without a selector (the EndpointSlice mirroring controller makes the slices
  // kube-proxy reads); the address is the node's, where these daemons listen.
  const endpoints = (name: string, ports: object[]) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'kube-system' },
    subsets: [{ addresses: [{ ip: nodeAddress }], ports }],
  });
  const docs = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        clusterIP: DNS_IP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
    endpoints('kube-dns', [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ]),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'metrics-server', namespace: 'kube-system' },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 4443 }] },
    },
    endpoints('metrics-server', [{ name: 'https', port: 4443, protocol: 'TCP' }]),
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: {
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        service: { name: 'metrics-server', namespace: 'kube-system', port: 443 },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
