// Backprop kernels for the wasm backend: the arithmetic runs in XNNPACK (a convolution or a matMul),
// the data movement around it in the trainer's own wasm kernels (assembly/trainingKernels.ts) or
// plain loops over the wasm heap (see wasmHeap.ts). Measured when they replaced tf ops, per
// training step of the reference CNN (engine-facts.md, batch 32, CPU time of one thread) against the
// tf-op versions in convGradients.ts and the stock MaxPoolGrad: filter gradient 14.2 → 9.0 ms,
// input gradient 10.5 → 4.7 ms, MaxPoolGrad 6.0 → 3.6 ms.
//
//  filter gradient  dW[a,b,ci,co] = sum_m P[(a,b,ci), m] * dy[m, co]   (m runs over n, i, j)
//      P is the transposed patch matrix, P[(a,b,ci),(n,i,j)] = x[n, i*s+a-top, j*s+b-left, ci] (0 outside);
//      a matMul of P with dy seen as [M, Co]; for ≤ 4 input channels, direct sums without P (filterGradSmallC).
//  input gradient   (stride 1) dx = conv(dy, W flipped in space with in/out channels swapped),
//      padded by k-1-top before and whatever makes the output the input's size after.
import * as tf from '@tensorflow/tfjs';
import { trainingKernels } from './trainingKernelsWasm';
import { allocate, heapF32, offsetOf, WasmBackendLike } from './wasmHeap';

type Pair = number | [number, number];
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** Conv2DBackpropFilter (NHWC, dilation 1, any stride and padding) on the wasm backend. */
export function conv2dFilterGradientWasm(
  backend: WasmBackendLike,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: Pair,
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, rounding);
  const [n, h, w, c] = x.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, outChannels: co } = info;
  if (c <= 4 && sh === 1 && sw === 1 && co % 8 === 0) {
    // Few input channels (a first layer): direct sums, no patch matrix and no GEMM packing.
    const dW = allocate(backend, [kh, kw, c, co]);
    trainingKernels(backend).filterGradSmallC(
      4 * offsetOf(backend, x),
      4 * offsetOf(backend, dy),
      4 * offsetOf(backend, dW),
      n,
      h,
      w,
      c,
      kh,
      kw,
      info.padInfo.top,
      info.padInfo.left,
      ho,
      wo,
      co,
    );
    return dW as tf.Tensor4D;
  }
  const k = kh * kw * c;
  const m = n * ho * wo;
  const xT = tf.transpose(x, [3, 0, 1, 2]); // channel-first: each channel a contiguous plane
  const patches = allocate(backend, [k, m]);
  trainingKernels(backend).patchesT(
    4 * offsetOf(backend, xT),
    4 * offsetOf(backend, patches),
    n,
    h,
    w,
    c,
    kh,
    kw,
    sh,
    sw,
    info.padInfo.top,
    info.padInfo.left,
    ho,
    wo,
  );
  // A matMul, not a 1×1 conv: the wasm conv transposes and copies its (here fresh, M×Co) filter
  // before XNNPACK packs it, the matMul packs it directly (measured 9 vs 14 ms per step).
  const dW = tf.matMul(patches as tf.Tensor2D, tf.reshape(dy, [m, co]) as tf.Tensor2D);
  return tf.reshape(dW, [kh, kw, c, co]);
}

/** The filter flipped in space with input and output channels swapped: [kh, kw, ci, co] → [kh, kw, co, ci]. */
export function flipTransposeFilterWasm(backend: WasmBackendLike, filter: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, ci, co] = filter.shape;
  const out = allocate(backend, [kh, kw, co, ci]);
  const heap = heapF32(backend);
  const src = offsetOf(backend, filter);
  const dst = offsetOf(backend, out);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const from = src + ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      const to = dst + (a * kw + b) * co * ci;
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) heap[to + o * ci + i] = heap[from + i * co + o];
    }
  }
  return out as tf.Tensor4D;
}

/**
 * Conv2DBackpropInput (NHWC, dilation 1) on the wasm backend, or undefined when the case is not a
 * stride-1 convolution this identity covers (the caller then falls back to the general version).
 */
export function conv2dInputGradientWasm(
  backend: WasmBackendLike,
  inputShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: Pair,
  pad: Pad,
  rounding?: Rounding,
): tf.Tensor4D | undefined {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, rounding);
  const {
    filterHeight: kh,
    filterWidth: kw,
    strideHeight: sh,
    strideWidth: sw,
    inHeight: h,
    inWidth: w,
    outHeight: ho,
    outWidth: wo,
  } = info;
  if (sh !== 1 || sw !== 1) return undefined;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = h + kh - 1 - ho - top;
  const right = w + kw - 1 - wo - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return undefined;
  const flipped = flipTransposeFilterWasm(backend, filter);
  return tf.conv2d(dy, flipped, 1, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/**
 * MaxPoolGrad (any window, stride and padding): each output's gradient goes to the first maximum
 * of its window in row-major order (TensorFlow's rule); padding never wins. Returns dx.
 */
export function maxPoolGradientWasm(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  filterSize: Pair,
  strides: Pair,
  pad: Pad,
  rounding?: Rounding,
): tf.TensorInfo {
  const shape = x.shape as [number, number, number, number];
  const info = tf.backend_util.computePool2DInfo(shape, filterSize, strides, 1, pad, rounding);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput(shape.slice(), 'float32');
  const heap = heapF32(backend);
  const xs = offsetOf(backend, x);
  const ds = offsetOf(backend, dy);
  const os = offsetOf(backend, dx);
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && h === 2 * ho && w === 2 * wo) {
    // The common 2×2, stride-2 pool over an even-sized input: every input element is written once (SIMD, no branches).
    trainingKernels(backend).maxPool2x2Grad(4 * xs, 4 * ds, 4 * os, n, ho, wo, c);
    return dx;
  }
  heap.fill(0, os, os + n * h * w * c);
  const rowStride = w * c;
  for (let ni = 0; ni < n; ni++) {
    const img = ni * h * rowStride;
    for (let i = 0; i < ho; i++) {
      const r0 = Math.max(0, i * sh - top);
      const r1 = Math.min(h, i * sh - top + kh);
      for (let j = 0; j < wo; j++) {
        const c0 = Math.max(0, j * sw - left);
        const c1 = Math.min(w, j * sw - left + kw);
        const d = ds + ((ni * ho + i) * wo + j) * c;
        const first = img + r0 * rowStride + c0 * c;
        if (r0 >= r1 || c0 >= c1) continue;
        for (let ch = 0; ch < c; ch++) {
          let best = first + ch;
          let bestValue = heap[xs + best];
          for (let r = r0; r < r1; r++) {
            for (let q = c0; q < c1; q++) {
              const p = img + r * rowStride + q * c + ch;
              const v = heap[xs + p];
              if (v > bestValue) {
                bestValue = v;
                best = p;
              }
            }
          }
          heap[os + best] += heap[d + ch];
        }
      }
    }
  }
  return dx;
}
