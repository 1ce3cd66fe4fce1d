// The CUDA libraries @tensorflow/tfjs-node-gpu 4.x links against (CUDA 11.2, cuDNN 8): on a CUDA 12
// machine they are missing and loading fails with "libcudart.so.11.0: cannot open shared object
// file". Named here so the engine list says what to install instead of a generic failure.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const TFJS_GPU_LIBRARIES = ['libcudart.so.11.0', 'libcudnn.so.8'] as const;

const SYSTEM_DIRS = [
  '/usr/local/cuda/lib64',
  '/usr/local/cuda-11.2/lib64',
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/usr/local/lib',
];

/** Which of the libraries are on no library path (Linux only; elsewhere nothing is checked). */
export function missingCudaLibraries(env: NodeJS.ProcessEnv = process.env, exists: (f: string) => boolean = existsSync): string[] {
  if (process.platform !== 'linux') return [];
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d), ...SYSTEM_DIRS];
  return TFJS_GPU_LIBRARIES.filter((lib) => !dirs.some((d) => exists(path.join(d, lib))));
}

/** A load error's missing library, if it names one ("libcudart.so.11.0: cannot open shared object file"). */
export function missingLibraryIn(message: string): string | undefined {
  return /([\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(message)?.[1];
}
