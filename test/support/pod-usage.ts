// Peak memory and CPU of real pods (#10), read from their cgroup v1 files on the node (the harness runs
// as root on the same machine): memory.max_usage_in_bytes is what the kernel charged the pod at its peak,
// cpuacct.usage the CPU time it used; CPU rates come from two readings. Pods are measured, not assumed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PodUsage {
  pod: string;
  peakMemoryBytes: number;
  peakCpuMillicores: number;
  cpuSeconds: number;
}

interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

function findPodCgroup(root: string, uid: string): string | undefined {
  const wanted = `pod${uid}`;
  const walk = (dir: string, depth: number): string | undefined => {
    if (depth > 3 || !existsSync(dir)) return undefined;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      if (e.name === wanted) return join(dir, e.name);
      const found = walk(join(dir, e.name), depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(root, 0);
}

const readNumber = (path: string): number | undefined => {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined; // the pod is gone
  }
};

/** Samples every pod given by listPods() under the kubelet's cgroupRoot, keeping the peaks per pod. */
export class PodUsageSampler {
  readonly #memoryRoot: string;
  readonly #cpuRoot: string;
  readonly #usage = new Map<string, PodUsage>();
  readonly #last = new Map<string, { at: number; cpuNs: number }>();

  constructor(cgroupRoot: string) {
    this.#memoryRoot = join('/sys/fs/cgroup/memory', cgroupRoot);
    this.#cpuRoot = join('/sys/fs/cgroup/cpuacct', cgroupRoot);
  }

  sample(pods: PodRef[]): void {
    const now = performance.now();
    for (const pod of pods) {
      const key = `${pod.namespace}/${pod.name}`;
      const mem = findPodCgroup(this.#memoryRoot, pod.uid);
      const cpu = findPodCgroup(this.#cpuRoot, pod.uid);
      const peak = mem ? readNumber(join(mem, 'memory.max_usage_in_bytes')) : undefined;
      const cpuNs = cpu ? readNumber(join(cpu, 'cpuacct.usage')) : undefined;
      const entry = this.#usage.get(key) ?? {
        pod: key,
        peakMemoryBytes: 0,
        peakCpuMillicores: 0,
        cpuSeconds: 0,
      };
      if (peak !== undefined) entry.peakMemoryBytes = Math.max(entry.peakMemoryBytes, peak);
      if (cpuNs !== undefined) {
        const last = this.#last.get(key);
        if (last && now > last.at) {
          const millicores = ((cpuNs - last.cpuNs) / 1e6 / (now - last.at)) * 1000;
          entry.peakCpuMillicores = Math.max(entry.peakCpuMillicores, Math.round(millicores));
        }
        this.#last.set(key, { at: now, cpuNs });
        entry.cpuSeconds = cpuNs / 1e9;
      }
      this.#usage.set(key, entry);
    }
  }

  results(): PodUsage[] {
    // A pod that lived shorter than one sampling interval may never have been read.
    return [...this.#usage.values()]
      .filter((u) => u.peakMemoryBytes > 0)
      .sort((a, b) => a.pod.localeCompare(b.pod));
  }

  table(): string {
    const rows = this.results().map(
      (u) =>
        `${u.pod.padEnd(60)} ${(u.peakMemoryBytes / 2 ** 20).toFixed(1).padStart(8)} MiB ${String(u.peakCpuMillicores).padStart(6)} m ${u.cpuSeconds.toFixed(1).padStart(7)} s`,
    );
    return [`${'pod'.padEnd(60)} peak memory  peak CPU  CPU time`, ...rows].join('\n');
  }
}
