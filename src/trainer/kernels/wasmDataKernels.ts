// Faster versions of stock tfjs-backend-wasm kernels that training leans on, for the cases where the
// stock kernel takes a slow path (measured on the digits example model, batch 32: Tile 29.6 ms of an
// 80 ms step, in batch-norm gradients):
//  - Tile: the stock kernel walks the output element by element; a block copy that doubles
//    (copyWithin) runs at memory speed;
//  - Sum / Mean over the leading axes (bias and batch-norm gradients reduce NHWC over N, H, W): the
//    stock kernels transpose the whole input first; a column sum in order gives the same floats;
//  - BatchMatMul with a transposed operand (every Dense weight gradient): the stock kernel falls to
//    a naive triple loop; transposing the operand first keeps XNNPACK's fast path.
// Each returns undefined when the case is not the one it speeds up; the caller then runs the stock kernel.
import * as tf from '@tensorflow/tfjs';
import { trainingKernels } from './trainingKernelsWasm';
import { heapF32, offsetOf, WasmBackendLike } from './wasmHeap';

type Heap = Float32Array | Int32Array;

function heapFor(backend: WasmBackendLike, dtype: tf.DataType): Heap | undefined {
  if (dtype === 'float32') return heapF32(backend);
  if (dtype === 'int32') return new Int32Array(heapF32(backend).buffer);
  return undefined; // bool (1 byte) and others: stock kernel
}

/** Repeats out[from, from + size) `times` times in total, doubling the copied run each time. */
function replicate(heap: Heap, from: number, size: number, times: number): void {
  let have = 1;
  while (have < times) {
    const n = Math.min(have, times - have);
    heap.copyWithin(from + have * size, from, from + n * size);
    have += n;
  }
}

/** Tile for 4-byte dtypes: out[i0…ik] = x[i0 mod s0, …, ik mod sk]. */
export function tileWasm(backend: WasmBackendLike, x: tf.TensorInfo, reps: number[]): tf.TensorInfo | undefined {
  const shape = x.shape;
  if (!heapFor(backend, x.dtype) || reps.length !== shape.length) return undefined;
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype as 'float32');
  if (outShape.some((d) => d === 0)) return out;
  const heap = heapFor(backend, x.dtype)!;
  const rank = shape.length;
  const xStride = new Array<number>(rank);
  const oStride = new Array<number>(rank);
  for (let d = rank - 1, xs = 1, os = 1; d >= 0; d--) {
    xStride[d] = xs;
    oStride[d] = os;
    xs *= shape[d];
    os *= outShape[d];
  }
  const src = offsetOf(backend, x);
  const dst = offsetOf(backend, out);
  // fill(d): writes the block of axis d (all x rows below it, then its repeats) at `o`.
  const fill = (d: number, s: number, o: number): void => {
    if (d === rank - 1) {
      heap.copyWithin(o, s, s + shape[d]);
    } else {
      for (let i = 0; i < shape[d]; i++) fill(d + 1, s + i * xStride[d], o + i * oStride[d]);
    }
    replicate(heap, o, shape[d] * oStride[d], reps[d]);
  };
  if (rank === 0) heap[dst] = heap[src];
  else fill(0, src, dst);
  return out;
}

/** The leading axes [0, k) when `axes` are exactly those (k < rank), else undefined. */
export function leadingAxes(axis: number | number[], rank: number): number | undefined {
  const list = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (list.length === 0 || list.length >= rank) return undefined;
  return list.every((a, i) => a === i) ? list.length : undefined;
}

/** Sum (or mean) of a float32 tensor over its leading axes, in row order (float32 accumulation, as the stock kernel). */
export function reduceLeadingWasm(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  axis: number | number[],
  keepDims: boolean,
  mean: boolean,
): tf.TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const k = leadingAxes(axis, x.shape.length);
  if (k === undefined) return undefined;
  const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(k);
  const cols = inner.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...inner] : inner, 'float32');
  const dst = offsetOf(backend, out);
  trainingKernels(backend).sumRows(4 * offsetOf(backend, x), 4 * dst, rows, cols);
  if (mean) {
    const heap = heapF32(backend);
    for (let c = dst; c < dst + cols; c++) heap[c] /= rows;
  }
  return out;
}

/** BatchMatMul (one matrix per side) with a transposed operand: transpose it, then the untransposed fast path. */
export function matMulUntransposed(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor | undefined {
  if (!transposeA && !transposeB) return undefined;
  const single = (t: tf.Tensor): boolean => t.rank === 2 || (t.rank === 3 && t.shape[0] === 1);
  if (!single(a) || !single(b)) return undefined;
  const as2 = tf.reshape(a, a.shape.slice(-2) as [number, number]) as tf.Tensor2D;
  const bs2 = tf.reshape(b, b.shape.slice(-2) as [number, number]) as tf.Tensor2D;
  const out = tf.matMul(transposeA ? (tf.transpose(as2) as tf.Tensor2D) : as2, transposeB ? (tf.transpose(bs2) as tf.Tensor2D) : bs2);
  // The kernel's output keeps the batch dimension of rank-3 inputs.
  return a.rank === 3 || b.rank === 3 ? tf.reshape(out, [1, ...out.shape]) : out;
}
