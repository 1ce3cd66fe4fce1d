// Multi-threaded WebAssembly in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK with a
// pthreadpool) but never uses it in Node, for three reasons this module works around while the
// backend initialises (and only then):
//  1. its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false in Node: we set it;
//  2. it hands Emscripten's pthread workers `blob:` URLs, which Node's Worker rejects
//     (ERR_WORKER_PATH): Blob and URL.createObjectURL are swapped so the worker script becomes a
//     real file, and the worker loads the pristine Emscripten glue (tfjs-backend-wasm-threaded-simd.js)
//     from disk instead of a Blob of the bundled factory's source, whose free variables a bundler renames;
//  3. the module caps its thread pool at os.cpus().length / 2 (it assumes hyper-threading), which
//     is 1 on a 2-core machine: os.cpus() reports twice the wanted count during initialisation.
// Anything unexpected leaves the backend single-threaded, with the reason.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { CPUS_ENV, THREADS_ENV } from '../../shared/runs/cpuShare';
import { packageDir, resolveOptional } from '../optionalModules';

export const THREADED_GLUE = 'tfjs-backend-wasm-threaded-simd.js';

export interface WasmThreadsResult {
  /** Threads XNNPACK uses (1 when threading could not be enabled). */
  threads: number;
  /** Why the backend runs single-threaded, when it does though more were asked for. */
  reason?: string;
}

/**
 * Where the threaded build's Emscripten glue is: next to the wasm binaries (the trainer bundle's
 * folder, when the build copied it), else in the installed package's wasm-out/.
 */
export function findThreadedGlue(wasmDir: string | undefined): string | undefined {
  if (wasmDir && existsSync(path.join(wasmDir, THREADED_GLUE))) return path.join(wasmDir, THREADED_GLUE);
  const mod = resolveOptional('@tensorflow/tfjs-backend-wasm');
  if (!mod) return undefined;
  const file = path.join(packageDir(mod), 'wasm-out', THREADED_GLUE);
  return existsSync(file) ? file : undefined;
}

/** The XNNPACK thread count TRANSFER_LAB_WASM_THREADS forces (at most 8, the module's pool); 1 when unset or `auto` (sized later by chooseWasmThreads). */
export function wantedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[THREADS_ENV]?.trim();
  if (!raw || raw === 'auto') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRANSFER_LAB_WASM_THREADS=${raw} must be a whole number ≥ 1 (1 turns threading off)`);
  return Math.min(n, 8);
}

/**
 * Work per training step (forward + backward, whole batch) from which XNNPACK threads pay. Measured
 * on 2 cores (bench/engine.ts): the reference CNN's full fine-tune (626 MFLOP a step) runs 20–25%
 * faster on 2 threads, a frozen backbone without the cache (~220 MFLOP) about 10% faster, while a
 * head on cached features (< 1 MFLOP) runs 3x slower: each threaded kernel wakes the pool's
 * threads, which costs more than a small kernel's whole work.
 */
export const THREADS_MIN_STEP_FLOPS = 50e6;

export interface ThreadsChoice {
  threads: number;
  reason: string;
}

/**
 * The CPUs this run may use, and where that number comes from: Slurm's allocation inside a job (one
 * CPU per task unless --cpus-per-task), else what the editor gave it (it keeps one core for itself,
 * and runs started together share the rest), else the CPUs this process may run on.
 */
export function runCpus(
  env: NodeJS.ProcessEnv = process.env,
  machine = os.availableParallelism?.() ?? os.cpus().length,
): { cpus: number; from: string } {
  if (env.SLURM_JOB_ID) {
    const perTask = Number(env.SLURM_CPUS_PER_TASK);
    const cpus = Number.isInteger(perTask) && perTask >= 1 ? perTask : 1;
    return { cpus, from: `Slurm allocated ${cpus} CPU${cpus === 1 ? '' : 's'} to the task` };
  }
  const share = Number(env[CPUS_ENV]);
  if (Number.isInteger(share) && share >= 1) {
    const cpus = Math.min(share, machine);
    return {
      cpus,
      from: `${cpus} CPU${cpus === 1 ? '' : 's'} from the editor (it keeps one of the machine's ${machine}; runs started together share the rest)`,
    };
  }
  return { cpus: machine, from: `${machine} CPU${machine === 1 ? '' : 's'}` };
}

/** Whether threads are sized to the step (`auto`, the default: TRANSFER_LAB_WASM_THREADS unset or `auto`). */
export function autoThreadsRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env[THREADS_ENV]?.trim();
  return !raw || raw === 'auto';
}

/**
 * XNNPACK threads for a run whose steps cost `stepFlops` (undefined: unknown) with `cpus` CPUs to
 * itself. By default (`auto`) as many threads as the run's CPUs (at most 4) when a step has the work
 * for them; TRANSFER_LAB_WASM_THREADS=N forces N (1 turns threads off). The editor keeps one core for
 * itself (runCpus): the pool's threads spin between kernels, and on a 2-core machine a trainer on
 * both cores starved code-server enough to time out integration tests.
 */
export function chooseWasmThreads(
  stepFlops: number | undefined,
  cpus: { cpus: number; from: string },
  env: NodeJS.ProcessEnv = process.env,
): ThreadsChoice {
  if (!autoThreadsRequested(env)) return { threads: wantedThreads(env), reason: 'set by TRANSFER_LAB_WASM_THREADS' };
  if (cpus.cpus < 2) return { threads: 1, reason: 'one CPU for the run' };
  if (stepFlops === undefined) return { threads: 1, reason: 'the cost of a step could not be predicted' };
  const mflop = `${stepFlops < 10e6 ? (stepFlops / 1e6).toPrecision(2) : (stepFlops / 1e6).toFixed(0)} MFLOP`;
  if (stepFlops < THREADS_MIN_STEP_FLOPS)
    return { threads: 1, reason: `a step is ${mflop}: too little work to share (threads pay from ${THREADS_MIN_STEP_FLOPS / 1e6} MFLOP)` };
  return { threads: Math.min(cpus.cpus, 4), reason: `a step is ${mflop}` };
}

const WORKER_MARK = 'ENVIRONMENT_IS_PTHREAD';

/**
 * Initialises the 'wasm' backend (tf.setBackend) with `threads` XNNPACK threads. Call after
 * setWasmPaths and before anything else touches the wasm backend. Returns the threads in use.
 */
export async function setWasmBackendThreaded(threads: number, wasmDir: string | undefined): Promise<WasmThreadsResult & { ok: boolean }> {
  if (threads <= 1) {
    setThreadsCount(1);
    return { ok: await tf.setBackend('wasm'), threads: 1 };
  }
  const glue = findThreadedGlue(wasmDir);
  if (!glue || typeof SharedArrayBuffer === 'undefined') {
    setThreadsCount(1);
    const reason = glue
      ? 'SharedArrayBuffer is not available in this Node'
      : `${THREADED_GLUE} is missing next to the wasm binaries and in @tensorflow/tfjs-backend-wasm/wasm-out`;
    return { ok: await tf.setBackend('wasm'), threads: 1, reason };
  }
  const dir = path.join(os.tmpdir(), `transfer-lab-wasm-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const OriginalBlob = globalThis.Blob;
  const originalCreate = URL.createObjectURL;
  const originalCpus = os.cpus;
  const files = new WeakMap<Blob, string>();
  // The worker script arrives as a Blob of text: write it to a file with a line that points the
  // worker's own URL.createObjectURL (used for the main script) at the pristine glue. Named after its
  // content, so runs share one file instead of leaving one each; written whole, then renamed into
  // place, so a trainer starting at the same moment never reads half of it.
  class FileBlob extends OriginalBlob {
    // Typed from the global Blob itself: the trainer's types are Node's (no DOM lib).
    constructor(...args: ConstructorParameters<typeof OriginalBlob>) {
      super(...args);
      const [parts] = args;
      const text = parts && parts.every((p) => typeof p === 'string') ? (parts as string[]).join('') : undefined;
      if (text !== undefined && text.includes(WORKER_MARK) && text.includes('importScripts')) {
        const content = `URL.createObjectURL = () => ${JSON.stringify(glue)};\n${text}`;
        const file = path.join(dir, `pthread-worker-${createHash('sha256').update(content).digest('hex').slice(0, 16)}.js`);
        if (!existsSync(file)) {
          const partial = `${file}.${process.pid}.tmp`;
          writeFileSync(partial, content);
          renameSync(partial, file);
        }
        files.set(this, file);
      }
    }
  }
  (globalThis as { Blob: typeof Blob }).Blob = FileBlob as typeof Blob;
  URL.createObjectURL = (obj: Blob) => files.get(obj) ?? originalCreate(obj);
  (os as unknown as { cpus: () => os.CpuInfo[] }).cpus = () => {
    const c = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  let failure: string | undefined;
  try {
    if (await tf.setBackend('wasm')) {
      const got = getThreadsCount();
      return { ok: true, threads: got, ...(got < threads ? { reason: `the wasm module started ${got} of ${threads} threads` } : {}) };
    }
    failure = 'the threaded wasm module failed to initialise';
  } catch (err) {
    failure = `the threaded wasm module failed to initialise (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})`;
  } finally {
    (globalThis as { Blob: typeof Blob }).Blob = OriginalBlob;
    URL.createObjectURL = originalCreate;
    (os as unknown as { cpus: () => os.CpuInfo[] }).cpus = originalCpus;
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  return { ok: await tf.setBackend('wasm'), threads: 1, reason: failure };
}
