// Loads the trainer's WebAssembly kernels (assembly/trainingKernels.ts, built by esbuild.mjs into
// dist/) onto the wasm engine's own memory: one instance per backend memory, importing it, so the
// kernels read and write tensors in place.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { allocate, offsetOf, WasmBackendLike } from './wasmHeap';

export interface TrainingKernels {
  maxPool2x2Grad(x: number, dy: number, dx: number, n: number, ho: number, wo: number, c: number): void;
  sumRows(x: number, out: number, rows: number, cols: number): void;
  reluGrad(dy: number, y: number, out: number, size: number): void;
  filterGradSmallC(
    x: number,
    dy: number,
    dW: number,
    n: number,
    h: number,
    w: number,
    c: number,
    kh: number,
    kw: number,
    top: number,
    left: number,
    ho: number,
    wo: number,
    co: number,
  ): void;
  patchesT(
    x: number,
    out: number,
    n: number,
    h: number,
    w: number,
    c: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
    ho: number,
    wo: number,
  ): void;
  adam(
    w: number,
    m: number,
    v: number,
    g: number,
    wOut: number,
    mOut: number,
    vOut: number,
    size: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    negLr: number,
    epsilon: number,
  ): void;
}

const PLAIN = 'training-kernels.wasm';
const SHARED = 'training-kernels-shared.wasm';

/**
 * The folder holding the built kernels: next to this file (the trainer bundle in dist/), else the
 * project's dist/ (compiled tests run from out/, after `npm run compile`).
 */
export function trainingKernelsDir(from = __dirname): string | undefined {
  for (let dir = from, up = 0; up < 6; up++, dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, PLAIN))) return dir;
    if (existsSync(path.join(dir, 'dist', PLAIN)) && existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'dist');
  }
  return undefined;
}

const modules = new Map<string, WebAssembly.Module>();
const instances = new WeakMap<WebAssembly.Memory, TrainingKernels>();

/** The backend's WebAssembly.Memory: exported by the plain build, created by the glue in the threaded one. */
function memoryOf(backend: WasmBackendLike): WebAssembly.Memory {
  const w = backend.wasm as WasmBackendLike['wasm'] & { asm?: { memory?: WebAssembly.Memory } };
  const memory = w.wasmMemory ?? w.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('the wasm engine does not expose its WebAssembly.Memory');
  return memory;
}

/** ReLU's gradient from its output y (dy where y > 0, else 0), in one pass on the wasm engine. */
export function reluGradWasm(backend: WasmBackendLike, dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const out = allocate(backend, dy.shape);
  trainingKernels(backend).reluGrad(4 * offsetOf(backend, dy), 4 * offsetOf(backend, y), 4 * offsetOf(backend, out), dy.size);
  return out;
}

/** The kernels bound to `backend`'s memory (compiled and instantiated once per memory). */
export function trainingKernels(backend: WasmBackendLike): TrainingKernels {
  const memory = memoryOf(backend);
  const known = instances.get(memory);
  if (known) return known;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = shared ? SHARED : PLAIN;
  let module = modules.get(file);
  if (!module) {
    const dir = trainingKernelsDir();
    if (!dir) throw new Error(`${PLAIN} is missing next to ${__dirname}; rebuild with npm run compile`);
    module = new WebAssembly.Module(readFileSync(path.join(dir, file)));
    modules.set(file, module);
  }
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as TrainingKernels;
  instances.set(memory, kernels);
  return kernels;
}
