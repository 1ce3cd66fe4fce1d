// Direct access to tfjs-backend-wasm tensor memory, for kernels written in JavaScript: data movement
// (patch matrices, filter flips, pooling gradients) is several times faster as a plain loop over the
// wasm heap than as a chain of stock wasm kernels (Reverse, Slice, Concat, PadV2 copy element by
// element through generic index arithmetic), while the arithmetic stays in XNNPACK.
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  incRef(dataId: object): void;
}

export function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | undefined;
  return !!b && typeof b.makeOutput === 'function' && typeof b.incRef === 'function' && !!b.wasm && !!b.dataIdMap;
}

/**
 * The whole heap as floats. Fetch it after the last allocation of a kernel: a malloc may grow the
 * memory, which replaces the buffer (and, with threads, leaves Module.HEAPU8 stale until the glue
 * refreshes it, so the Memory object is asked first).
 */
export function heapF32(backend: WasmBackendLike): Float32Array {
  const buffer = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer;
  return new Float32Array(buffer);
}

/** Index of a float32 tensor's first element in heapF32(). */
export function offsetOf(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(info.dataId);
  if (!entry) throw new Error('tensor is not on the wasm backend');
  return entry.memoryOffset >>> 2;
}

/** A new float32 tensor owned by the enclosing tidy (its contents are uninitialised). */
export function allocate(backend: WasmBackendLike, shape: number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32'));
}
