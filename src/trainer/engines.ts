// Training engines, best first. Each is probed for what it needs (package installed, device visible);
// the first that works is activated. `--engine`/TRANSFER_LAB_ENGINE forces one and fails with the reason.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { webgpuWorthIt } from './gpuChoice';
import { registerTrainingKernels } from './kernels/registerTrainingKernels';
import { setWasmBackendThreaded, wantedThreads, WasmThreadsResult } from './parallel/wasmThreads';
import { loadModule, packageDir, resolveOptional, ResolvedModule } from './optionalModules';
import { queryGpus } from './system/nvidiaSmi';
import { missingCudaLibraries, missingLibraryIn } from './system/cudaLibraries';
import { probeTorch, type TorchProbe } from './torch/probeTorch';
import {
  ENGINE_NAMES,
  EngineError,
  EngineProbe,
  ActiveEngine,
  EngineName,
  firstLine,
  installedOrReason,
  isEngineName,
  setBackendOrThrow,
} from './engineTypes';
import { activateWebGpu, probeWebGpu } from './webgpuEngine';

export { ENGINE_NAMES, EngineError, isEngineName, type ActiveEngine, type EngineName, type EngineProbe };

function cpuName(): string {
  const cpus = os.cpus();
  return cpus.length > 0 ? `${cpus[0].model.trim()} (${cpus.length} cores)` : 'CPU';
}

// ---------------------------------------------------------------- tfjs-node / tfjs-node-gpu

async function probeNative(name: 'tfjs-node' | 'tfjs-node-gpu'): Promise<EngineProbe & { mod?: ResolvedModule; gpu?: string }> {
  const pkg = `@tensorflow/${name}`;
  const found = installedOrReason([pkg]);
  if ('reason' in found) {
    const extra = name === 'tfjs-node-gpu' ? '; it needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 on Linux x64 or Windows x64' : '';
    return { name, available: false, reason: found.reason + extra };
  }
  const mod = found.mods[0];
  if (name === 'tfjs-node-gpu') {
    const gpus = await queryGpus();
    if (gpus.length === 0) {
      return {
        name,
        available: false,
        from: mod.from,
        mod,
        reason: `${pkg} is installed but no CUDA device is visible (nvidia-smi lists no GPU)`,
      };
    }
    const missing = missingCudaLibraries();
    if (missing.length > 0) {
      return {
        name,
        available: false,
        from: mod.from,
        mod,
        reason: `${pkg} is installed but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: it needs CUDA 11.2 and cuDNN 8 (a CUDA 12 machine has neither); use the torch engine, or install them`,
      };
    }
    return { name, available: true, from: mod.from, mod, gpu: gpus[0].name, reason: `CUDA: ${gpus.map((g) => g.name).join(', ')}` };
  }
  return { name, available: true, from: mod.from, mod, reason: `libtensorflow on ${cpuName()}` };
}

async function activateNative(probe: Awaited<ReturnType<typeof probeNative>>): Promise<string> {
  try {
    await loadModule(probe.mod!);
  } catch (err) {
    const lib = missingLibraryIn(firstLine(err));
    throw new EngineError(
      lib
        ? `${probe.mod!.name} failed to load: ${lib} is missing (tfjs-node-gpu needs CUDA 11.2 and cuDNN 8); use the torch engine or install it`
        : `${probe.mod!.name} failed to load (${firstLine(err)}); reinstall it or pick another engine`,
    );
  }
  await setBackendOrThrow('tensorflow', probe.name);
  return probe.name === 'tfjs-node-gpu' ? `${probe.gpu} (CUDA)` : `${cpuName()} (libtensorflow)`;
}

// ---------------------------------------------------------------- webgpu
// ---------------------------------------------------------------- wasm / cpu

/** The folder holding tfjs-backend-wasm*.wasm: next to the bundle (dist/), else the npm package. */
export function wasmBinaryDir(): string | undefined {
  if (existsSync(path.join(__dirname, 'tfjs-backend-wasm.wasm'))) return __dirname;
  const mod = resolveOptional('@tensorflow/tfjs-backend-wasm');
  if (mod) {
    const dir = path.join(packageDir(mod), 'dist');
    if (existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) return dir;
  }
  return undefined;
}

function probeWasm(): EngineProbe {
  const dir = wasmBinaryDir();
  if (!dir)
    return {
      name: 'wasm',
      available: false,
      reason: `tfjs-backend-wasm.wasm is missing next to ${__dirname}; rebuild with npm run compile`,
    };
  return { name: 'wasm', available: true, reason: `WebAssembly on ${cpuName()}` };
}

async function activateWasm(wanted: number): Promise<string> {
  const dir = wasmBinaryDir()!;
  setWasmPaths(dir + path.sep);
  let threads: WasmThreadsResult;
  try {
    const r = await setWasmBackendThreaded(wanted, dir);
    if (!r.ok) throw new Error("tf.setBackend('wasm') returned false");
    threads = r;
  } catch (err) {
    throw new EngineError(`engine 'wasm' failed to initialise: ${firstLine(err)}`);
  }
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const note = threads.reason ? `; ${threads.reason}` : '';
  return `${cpuName()} (WebAssembly${simd ? ' SIMD' : ''}, ${threads.threads} thread${threads.threads === 1 ? '' : 's'}${note})`;
}

async function activateCpu(): Promise<string> {
  await setBackendOrThrow('cpu', 'cpu');
  return `${cpuName()} (JavaScript)`;
}

// ---------------------------------------------------------------- selection

/** Which engine the user asked for: the flag, else TRANSFER_LAB_ENGINE, else automatic. */
export function requestedEngine(flag?: string): EngineName | undefined {
  const value = (flag ?? process.env.TRANSFER_LAB_ENGINE ?? '').trim();
  if (value === '' || value === 'auto') return undefined;
  if (!isEngineName(value)) {
    const source = flag ? '--engine' : 'TRANSFER_LAB_ENGINE';
    throw new EngineError(`unknown engine '${value}' (${source}); choose one of: ${ENGINE_NAMES.join(', ')}, auto`);
  }
  return value;
}

type AnyProbe = EngineProbe & {
  mod?: ResolvedModule;
  mods?: ResolvedModule[];
  gpu?: string;
  adapterName?: string;
  software?: boolean;
  torch?: TorchProbe;
};

// ---------------------------------------------------------------- torch

async function probeTorchEngine(python?: string): Promise<AnyProbe> {
  const t = await probeTorch(python);
  return { name: 'torch', available: t.available, reason: t.reason, torch: t, ...(t.python ? { from: t.python } : {}) };
}

/** The worker does the compute; tfjs only holds the model (build, weights in and out) on its cpu backend. */
async function activateTorch(p: AnyProbe): Promise<string> {
  await setBackendOrThrow('cpu', 'torch');
  const t = p.torch!;
  // TRANSFER_LAB_TORCH_DEVICE=cpu trains on the CPU of a GPU machine (benchmarks, comparisons).
  const forced = process.env.TRANSFER_LAB_TORCH_DEVICE?.trim();
  if (forced === 'cpu' && t.device !== 'cpu')
    Object.assign(t, { device: 'cpu', deviceName: `CPU (${t.deviceName} not used: TRANSFER_LAB_TORCH_DEVICE=cpu)` });
  return `${t.deviceName} (PyTorch ${t.torch}, ${t.device})`;
}

async function probe(name: EngineName, forced: boolean, python?: string): Promise<AnyProbe> {
  switch (name) {
    case 'torch':
      return probeTorchEngine(python);
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return probeNative(name);
    case 'webgpu':
      return probeWebGpu(forced);
    case 'wasm':
      return probeWasm();
    case 'cpu':
      return { name: 'cpu', available: true, reason: `pure JavaScript on ${cpuName()} (slowest)` };
  }
}

async function activate(p: AnyProbe, o: EngineOptions): Promise<string> {
  switch (p.name) {
    case 'torch':
      return activateTorch(p);
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return activateNative(p as Awaited<ReturnType<typeof probeNative>>);
    case 'webgpu':
      return activateWebGpu(p);
    case 'wasm':
      return activateWasm(o.wasmThreads ?? wantedThreads());
    case 'cpu':
      return activateCpu();
  }
}

/** Probes every engine without activating any (for `transfer-lab engines`). */
export async function probeEngines(forced?: EngineName): Promise<EngineProbe[]> {
  const out: EngineProbe[] = [];
  for (const name of ENGINE_NAMES) out.push(strip(await probe(name, name === forced)));
  return out;
}

function strip(p: AnyProbe): EngineProbe {
  return { name: p.name, available: p.available, reason: p.reason, ...(p.from ? { from: p.from } : {}) };
}

/**
 * Stops the wasm engine's worker threads (its threaded build keeps them alive, and with them the
 * process): call when training is over, so that the trainer exits as soon as its work is done.
 */
export function releaseEngine(): void {
  const backend =
    tf.engine().backendName === 'wasm'
      ? (tf.engine().backend as unknown as { wasm?: { PThread?: { terminateAllThreads(): void } } })
      : undefined;
  backend?.wasm?.PThread?.terminateAllThreads();
}

export interface EngineOptions {
  /** XNNPACK threads for the wasm engine (default: the number TRANSFER_LAB_WASM_THREADS forces, else 1; runTraining sizes `auto`). */
  wasmThreads?: number;
  /**
   * The predicted FLOPs of one training step, asked only when `auto` finds a hardware WebGPU
   * adapter: small steps train faster on the next engine (gpuChoice.ts).
   */
  stepFlops?: () => Promise<number | undefined>;
  /** The experiment's `python:` for the torch engine (else the editor's choice, else python3). */
  python?: string;
}

/**
 * Activates the requested engine, or the best available one. An engine that probes fine but fails to
 * initialise is recorded with its reason and the next one is tried (unless it was forced).
 */
export async function activateEngine(request?: EngineName, o: EngineOptions = {}): Promise<ActiveEngine> {
  tf.env().set('PROD', true); // silences tfjs's console advice, which would mix into our output
  const probes: EngineProbe[] = [];
  const candidates = request ? [request] : [...ENGINE_NAMES];
  for (const name of candidates) {
    const p = await probe(name, name === request, o.python);
    if (!p.available) {
      probes.push(strip(p));
      if (request) throw new EngineError(`engine '${name}' is not available: ${p.reason}`, probes);
      continue;
    }
    if (!request && name === 'webgpu' && o.stepFlops) {
      const choice = webgpuWorthIt(await o.stepFlops());
      if (!choice.use) {
        probes.push({ ...strip(p), reason: `${p.reason}; not chosen: ${choice.reason}` });
        continue;
      }
    }
    let device: string;
    try {
      device = await activate(p, o);
    } catch (err) {
      probes.push({ ...strip(p), available: false, reason: firstLine(err) });
      if (request) throw new EngineError(firstLine(err), probes);
      continue;
    }
    probes.push(strip(p));
    // The remaining engines are listed as not considered, with what a probe says about them.
    for (const rest of ENGINE_NAMES.slice(ENGINE_NAMES.indexOf(name) + 1)) {
      if (!request) probes.push({ ...strip(await probe(rest, false)) });
    }
    const backend = tf.getBackend();
    if (name === 'torch') {
      const t = p.torch!;
      return {
        name,
        backend,
        device,
        probes,
        addedKernels: [],
        asyncReadsOnly: false,
        gpu: t.device === 'cuda',
        torch: { python: t.python!, device: t.device! },
      };
    }
    const addedKernels = registerTrainingKernels(backend);
    const gpu = name === 'tfjs-node-gpu' || (name === 'webgpu' && !(p as AnyProbe).software);
    return { name, backend, device, probes, addedKernels, asyncReadsOnly: name === 'webgpu', gpu };
  }
  throw new EngineError(`no engine could be started:\n${probes.map((p) => `  ${p.name}: ${p.reason}`).join('\n')}`, probes);
}
