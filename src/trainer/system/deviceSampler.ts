// Device use sampled during an epoch: GPU utilisation and memory from nvidia-smi when the engine
// runs on a GPU and nvidia-smi answers (NVIDIA), otherwise this process's CPU utilisation (process.cpuUsage, as a share of
// all cores, 0–100) and its peak resident memory.
import * as os from 'node:os';
import { queryGpus } from './nvidiaSmi';

export interface DeviceSample {
  /** Mean utilisation % over the window. */
  util: number;
  /** Peak memory bytes over the window (GPU memory used, or process RSS). */
  memoryBytes: number;
  source: 'nvidia-smi' | 'cpu';
}

export class DeviceSampler {
  private cpuStart = process.cpuUsage();
  private wallStart = process.hrtime.bigint();
  private rssPeak = 0;
  private gpuUtil: number[] = [];
  private gpuMemPeak = 0;
  private lastGpuQuery = 0;
  private querying = false;

  constructor(
    private readonly useGpu: boolean,
    private readonly intervalMs = 1000,
  ) {
    this.reset();
  }

  reset(): void {
    this.cpuStart = process.cpuUsage();
    this.wallStart = process.hrtime.bigint();
    this.rssPeak = process.memoryUsage().rss;
    this.gpuUtil = [];
    this.gpuMemPeak = 0;
  }

  /** Call between batches: cheap; queries nvidia-smi at most once per interval, without waiting. */
  tick(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.rssPeak) this.rssPeak = rss;
    if (!this.useGpu || this.querying || Date.now() - this.lastGpuQuery < this.intervalMs) return;
    this.lastGpuQuery = Date.now();
    this.querying = true;
    void queryGpus(2000).then((gpus) => {
      this.querying = false;
      if (gpus.length === 0) return;
      this.gpuUtil.push(gpus[0].utilization);
      this.gpuMemPeak = Math.max(this.gpuMemPeak, gpus[0].memoryUsedBytes);
    });
  }

  sample(): DeviceSample {
    this.tick();
    if (this.useGpu && this.gpuUtil.length > 0) {
      return { util: this.gpuUtil.reduce((a, b) => a + b, 0) / this.gpuUtil.length, memoryBytes: this.gpuMemPeak, source: 'nvidia-smi' };
    }
    const cpu = process.cpuUsage(this.cpuStart);
    const wallUs = Number(process.hrtime.bigint() - this.wallStart) / 1000;
    const cores = Math.max(1, os.cpus().length);
    const util = wallUs > 0 ? Math.min(100, (100 * (cpu.user + cpu.system)) / (wallUs * cores)) : 0;
    return { util, memoryBytes: this.rssPeak, source: 'cpu' };
  }
}
