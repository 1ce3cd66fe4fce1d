// Finding a Python with PyTorch for the torch engine: the candidates in the order every Python of
// Transfer Lab is found (src/shared/python/pythonCandidates.ts: an explicit choice alone, else the
// Python extension's interpreter, python3 on PATH, /usr/bin/python3), each asked by probe.py.
import { execFile } from 'node:child_process';
import { pythonCandidates } from '../../shared/python/pythonCandidates';
import { TORCH_PYTHON_ENV } from '../../shared/torch/pythonSetting';
import { PYTHON_ENV } from '../../shared/yolov5/settings';
import { torchScript } from './scripts';

export const MIN_TORCH: [number, number] = [1, 13];

export interface TorchProbe {
  available: boolean;
  /** Why not, or what it runs on. */
  reason: string;
  python?: string;
  /** Where the interpreter choice came from. */
  source?: string;
  torch?: string;
  /** cuda, mps or cpu: what the worker will use. */
  device?: 'cuda' | 'mps' | 'cpu';
  deviceName?: string;
}

interface ProbeOutput {
  python: string;
  pythonVersion: string;
  torch?: string;
  cuda?: boolean;
  cudaDevices?: string[];
  mps?: boolean;
  error?: string;
}

function run(python: string): Promise<ProbeOutput | { failed: string }> {
  return new Promise((resolve) => {
    execFile(python, [torchScript('probe.py')], { timeout: 60_000, windowsHide: true }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ProbeOutput);
      } catch {
        resolve({ failed: (err?.message ?? stderr.trim()).split('\n')[0] || 'no answer' });
      }
    });
  });
}

export function torchVersionOk(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > MIN_TORCH[0] || (major === MIN_TORCH[0] && minor >= MIN_TORCH[1]);
}

function judge(out: ProbeOutput): Omit<TorchProbe, 'python' | 'source'> {
  if (!out.torch) return { available: false, reason: `no PyTorch (${out.error ?? 'import torch failed'})` };
  if (!torchVersionOk(out.torch))
    return { available: false, torch: out.torch, reason: `PyTorch ${out.torch} is older than ${MIN_TORCH.join('.')}` };
  const device = out.cuda ? 'cuda' : out.mps ? 'mps' : 'cpu';
  const deviceName = device === 'cuda' ? (out.cudaDevices?.[0] ?? 'CUDA device') : device === 'mps' ? 'Apple GPU (MPS)' : 'CPU';
  const devices =
    device === 'cuda' ? `CUDA: ${out.cudaDevices?.join(', ')}` : device === 'mps' ? 'MPS' : 'CPU only (no CUDA or MPS device)';
  return { available: true, torch: out.torch, device, deviceName, reason: `PyTorch ${out.torch} on ${devices}` };
}

const cache = new Map<string, Promise<TorchProbe>>();

/** The first candidate Python with a usable PyTorch; otherwise why none was (every candidate's reason). */
export function probeTorch(configured?: string, env: NodeJS.ProcessEnv = process.env): Promise<TorchProbe> {
  const key = `${configured ?? ''}\0${env[TORCH_PYTHON_ENV] ?? ''}\0${env[PYTHON_ENV] ?? ''}\0${env.PATH ?? ''}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const list = await pythonCandidates({ experiment: configured, useSetting: true, systemPython: true, env });
      if (list.length === 0) return { available: false, reason: 'no Python found (no python3 on PATH; set transferLab.python)' };
      const why: string[] = [];
      for (const c of list) {
        const out = await run(c.python);
        if ('failed' in out) {
          why.push(`${c.python} (${c.source}) did not run: ${out.failed}`);
          continue;
        }
        const verdict = judge(out);
        if (verdict.available)
          return {
            ...verdict,
            python: c.python,
            source: c.source,
            reason: `${verdict.reason}, Python ${out.pythonVersion} at ${c.python} (${c.source})`,
          };
        why.push(`${c.python} (${c.source}): ${verdict.reason}`);
      }
      return {
        available: false,
        reason: `${why.join('; ')}; install PyTorch >= ${MIN_TORCH.join('.')} (pip install torch, or apt install python3-torch) or point transferLab.python at a Python that has it`,
      };
    })();
    cache.set(key, p);
  }
  return p;
}
