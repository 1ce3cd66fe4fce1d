// What YOLOv5 does not record about its own run, sampled while it trains: resident memory of the
// train.py process (Linux /proc), and GPU utilisation and memory from nvidia-smi (the seed's two
// GPU charts). GPU numbers are the run's own where nvidia-smi lists its processes (memory used by
// the processes of train.py's process group, utilisation of the GPUs they use); where it cannot
// (a container hiding host pids), the GPU YOLOv5 names at start-up (CUDA:i) as a whole.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { queryGpus } from '../system/nvidiaSmi';

const MIB = 1024 * 1024;

/** Resident set size of a process (Linux), or undefined. */
export async function readRssBytes(pid: number): Promise<number | undefined> {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Process group of a process (Linux /proc/<pid>/stat field 5), or undefined. */
export async function readProcessGroup(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = stat
      .slice(stat.lastIndexOf(')') + 2)
      .trim()
      .split(/\s+/);
    return rest.length > 2 ? Number(rest[2]) : undefined;
  } catch {
    return undefined;
  }
}

function nvidiaSmi(args: string[], timeoutMs = 3000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', args, { timeout: timeoutMs, windowsHide: true }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

export interface ComputeApp {
  pid: number;
  gpuUuid: string;
  usedBytes: number;
}

/** `nvidia-smi --query-compute-apps` rows (processes using a GPU); undefined when it cannot answer. */
export function parseComputeApps(stdout: string): ComputeApp[] {
  const out: ComputeApp[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    out.push({ pid: Number(f[0]), gpuUuid: f[1], usedBytes: (Number(f[2]) || 0) * MIB });
  }
  return out;
}

/** `index, uuid` rows of `nvidia-smi --query-gpu=index,uuid`. */
export function parseGpuUuids(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length >= 2 && /^\d+$/.test(f[0])) out.set(f[1], Number(f[0]));
  }
  return out;
}

/** Physical GPU index of YOLOv5's `CUDA:i`: the i-th entry of CUDA_VISIBLE_DEVICES when it lists indices. */
export function physicalGpuIndex(cudaIndex: number, visible: string | undefined): number {
  const list = (visible ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length > cudaIndex && /^\d+$/.test(list[cudaIndex])) return Number(list[cudaIndex]);
  return cudaIndex;
}

export interface UsageWindow {
  rssPeakBytes?: number;
  gpuUtil?: number;
  gpuMemoryPeakBytes?: number;
}

interface Sample {
  /** Which epoch train.py was in when the sample began (see `epoch`). */
  epoch: number;
  rss?: number;
  util?: number;
  gpuMem?: number;
}

/** Samples a running train.py every `intervalMs` (and on request); each sample is tagged with the
 *  epoch train.py was in, and `take(epoch)` sums up that epoch's samples. */
export class RunUsage {
  /** The epoch train.py is in now, counted by the caller from its output (0: not training yet). */
  epoch = 0;
  private timer?: ReturnType<typeof setInterval>;
  private sampling?: Promise<void>;
  /** The samples asked for by sampleNow, one after another. */
  private requested: Promise<void> = Promise.resolve();
  private samples: Sample[] = [];
  private uuids?: Map<string, number>;
  private stopped = false;
  /** nvidia-smi listed train.py's processes once: from then on only such samples count. */
  private listedByPid = false;
  /** GPU named by YOLOv5 at start-up (`CUDA:0 (…)`); undefined until seen, 'cpu' for CPU runs. */
  device?: string;
  /** Name of the GPU the samples came from, for run.json's device when YOLOv5 did not say. */
  gpuName?: string;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 2000,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
  }

  /** No more samples: train.py has exited (a sample now would see other processes' GPU use). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Peak memory and mean utilisation of the samples taken in `epoch`; its and older samples are dropped. */
  take(epoch: number): UsageWindow {
    const inside = this.samples.filter((x) => x.epoch === epoch);
    this.samples = this.samples.filter((x) => x.epoch > epoch);
    const w: UsageWindow = {};
    const rss = inside.map((x) => x.rss).filter((v): v is number => v !== undefined);
    const util = inside.map((x) => x.util).filter((v): v is number => v !== undefined);
    const mem = inside.map((x) => x.gpuMem).filter((v): v is number => v !== undefined);
    if (rss.length > 0) w.rssPeakBytes = Math.max(...rss);
    if (util.length > 0) w.gpuUtil = util.reduce((a, b) => a + b, 0) / util.length;
    if (mem.length > 0) w.gpuMemoryPeakBytes = Math.max(...mem);
    return w;
  }

  /** Resolves when the samples asked for so far (and the one under way) are in. */
  async settled(): Promise<void> {
    await this.requested;
    await this.sampling;
  }

  /** A sample now, e.g. as an epoch begins, tagged with the epoch of this moment: on a loaded machine
   *  the sample under way can outlast a short epoch, and a sample tagged when it finally starts would
   *  land in the next epoch and leave this one with none. */
  sampleNow(): Promise<void> {
    const epoch = this.epoch;
    const done = this.requested.then(async () => {
      while (this.sampling) await this.sampling;
      await this.sample(epoch);
    });
    this.requested = done.catch(() => undefined);
    return done;
  }

  private sample(epoch = this.epoch): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.sampling ??= (async () => {
      try {
        const sample: Sample = { epoch };
        const rss = await readRssBytes(this.pid);
        if (rss !== undefined) sample.rss = rss;
        if (this.device !== 'cpu') Object.assign(sample, await this.sampleGpu());
        if (sample.epoch > 0) this.samples.push(sample);
      } finally {
        this.sampling = undefined;
      }
    })();
    return this.sampling;
  }

  private async sampleGpu(): Promise<{ util?: number; gpuMem?: number }> {
    const gpus = await queryGpus(3000);
    if (gpus.length === 0) return {};
    let used: number | undefined;
    let indices: number[] = [];
    const apps = await nvidiaSmi(['--query-compute-apps=pid,gpu_uuid,used_memory', '--format=csv,noheader,nounits']);
    const group = await readProcessGroup(this.pid);
    if (apps !== undefined && group !== undefined) {
      const ours: ComputeApp[] = [];
      for (const a of parseComputeApps(apps)) if ((await readProcessGroup(a.pid)) === group) ours.push(a);
      if (ours.length > 0) {
        this.listedByPid = true;
        this.uuids ??= parseGpuUuids((await nvidiaSmi(['--query-gpu=index,uuid', '--format=csv,noheader'])) ?? '');
        used = ours.reduce((s, a) => s + a.usedBytes, 0);
        indices = [...new Set(ours.map((a) => this.uuids!.get(a.gpuUuid)).filter((i): i is number => i !== undefined))];
      }
    }
    if (indices.length === 0) {
      // Between CUDA start-up and exit the run's processes may be missing from the list.
      if (this.listedByPid) return {};
      // Never listed by pid: the GPU YOLOv5 said it uses, as a whole, once it has said so.
      const m = /^CUDA:(\d+)/.exec(this.device ?? '');
      if (!m) return {};
      indices = [physicalGpuIndex(Number(m[1]), this.env.CUDA_VISIBLE_DEVICES)];
    }
    const mine = gpus.filter((g) => indices.includes(g.index));
    if (mine.length === 0) return {};
    this.gpuName ??= mine[0].name;
    return {
      util: mine.reduce((s, g) => s + g.utilization, 0) / mine.length,
      gpuMem: used ?? mine.reduce((s, g) => s + g.memoryUsedBytes, 0),
    };
  }
}
