// NVIDIA GPUs as nvidia-smi reports them; absent tool or driver means "no CUDA device visible".
import { execFile } from 'node:child_process';

export interface GpuSample {
  index: number;
  name: string;
  utilization: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
}

const MIB = 1024 * 1024;

/** One sample per visible GPU; empty when nvidia-smi is missing, fails, or lists nothing. */
export function queryGpus(timeoutMs = 5000): Promise<GpuSample[]> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=index,name,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs, windowsHide: true },
      (err, stdout) => {
        if (err) return resolve([]);
        const gpus: GpuSample[] = [];
        for (const line of stdout.split('\n')) {
          const f = line.split(',').map((s) => s.trim());
          if (f.length < 5 || f[0] === '') continue;
          gpus.push({
            index: Number(f[0]),
            name: f[1],
            utilization: Number(f[2]) || 0,
            memoryUsedBytes: (Number(f[3]) || 0) * MIB,
            memoryTotalBytes: (Number(f[4]) || 0) * MIB,
          });
        }
        resolve(gpus);
      },
    );
  });
}
