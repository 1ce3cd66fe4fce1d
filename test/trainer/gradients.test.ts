// The wasm training kernels (built from forward convolutions) against the cpu backend's stock
// kernels and against finite differences, on several shapes, strides, paddings and dilations.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from '../../src/trainer/engines';
import { registerTrainingKernels } from '../../src/trainer/kernels/registerTrainingKernels';
import { maxPoolGradient } from '../../src/trainer/kernels/poolGradients';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';

interface Case {
  x: Shape4;
  f: Shape4;
  stride: number;
  pad: Pad;
  dilation?: number;
}

const convCases: Case[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 9, 2], f: [3, 3, 2, 5], stride: 2, pad: 'same' },
  { x: [3, 9, 8, 4], f: [3, 2, 4, 2], stride: 2, pad: 'valid' },
  { x: [1, 6, 6, 2], f: [1, 1, 2, 3], stride: 1, pad: 'valid' },
  { x: [2, 10, 10, 3], f: [6, 6, 3, 2], stride: 2, pad: 'same' },
];
const depthwiseCases: Case[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 1], stride: 1, pad: 'same' },
  { x: [2, 8, 9, 2], f: [3, 3, 2, 2], stride: 2, pad: 'same' },
  { x: [3, 9, 8, 4], f: [3, 2, 4, 1], stride: 2, pad: 'valid' },
];

function randomData(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

interface Grads {
  dx: Float32Array;
  df: Float32Array;
}

function lossFn(c: Case, depthwise: boolean, r: tf.Tensor): (x: tf.Tensor, f: tf.Tensor) => tf.Scalar {
  return (x, f) => {
    const y = depthwise
      ? tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1)
      : tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
    return tf.sum(tf.mul(y, r));
  };
}

async function gradientsOn(backend: string, c: Case, depthwise: boolean, xs: Float32Array, fs: Float32Array): Promise<Grads> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x);
    const f = tf.tensor4d(fs, c.f);
    const outShape = (depthwise ? tf.depthwiseConv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation ?? 1) : tf.conv2d(x, f, c.stride, c.pad))
      .shape;
    const r = tf.tensor(randomData(outShape, 7), outShape);
    const [dx, df] = tf.grads(lossFn(c, depthwise, r))([x, f]);
    return { dx: dx.dataSync() as Float32Array, df: df.dataSync() as Float32Array };
  });
}

/** Central differences on the cpu backend; the loss is linear in each argument, so a large step is exact. */
async function numericGradient(
  c: Case,
  depthwise: boolean,
  xs: Float32Array,
  fs: Float32Array,
  wrt: 'x' | 'f',
  index: number,
): Promise<number> {
  assert.ok(await tf.setBackend('cpu'));
  return tf.tidy(() => {
    const outShape = (
      depthwise
        ? tf.depthwiseConv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.stride, c.pad, 'NHWC', c.dilation ?? 1)
        : tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.stride, c.pad)
    ).shape;
    const r = tf.tensor(randomData(outShape, 7), outShape);
    const f = lossFn(c, depthwise, r);
    const eps = 0.5;
    const at = (delta: number): number => {
      const xv = Float32Array.from(xs);
      const fv = Float32Array.from(fs);
      (wrt === 'x' ? xv : fv)[index] += delta;
      return f(tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)).dataSync()[0];
    };
    return (at(eps) - at(-eps)) / (2 * eps);
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

before(async () => {
  setWasmPaths(wasmBinaryDir()! + path.sep);
  assert.ok(await tf.setBackend('wasm'));
  registerTrainingKernels('wasm');
});

for (const depthwise of [false, true]) {
  const cases = depthwise ? depthwiseCases : convCases;
  for (const c of cases) {
    const label = `${depthwise ? 'depthwise' : 'conv2d'} x${c.x.join('x')} f${c.f.join('x')} stride ${c.stride} ${c.pad}${c.dilation ? ` dilation ${c.dilation}` : ''}`;
    test(`wasm ${label}: gradients match the cpu backend and finite differences`, async () => {
      const xs = randomData(c.x, 1);
      const fs = randomData(c.f, 2);
      const stock = await gradientsOn('cpu', c, depthwise, xs, fs);
      const wasm = await gradientsOn('wasm', c, depthwise, xs, fs);
      assert.ok(maxAbsDiff(stock.df, wasm.df) < 1e-3, `filter gradient differs by ${maxAbsDiff(stock.df, wasm.df)}`);
      assert.ok(maxAbsDiff(stock.dx, wasm.dx) < 1e-3, `input gradient differs by ${maxAbsDiff(stock.dx, wasm.dx)}`);
      // A handful of entries against finite differences: first, last and a middle one of each.
      for (const [wrt, grad] of [
        ['f', wasm.df],
        ['x', wasm.dx],
      ] as const) {
        for (const i of [0, Math.floor(grad.length / 2) + 1, grad.length - 1]) {
          const num = await numericGradient(c, depthwise, xs, fs, wrt, i);
          assert.ok(Math.abs(num - grad[i]) < 2e-3 * Math.max(1, Math.abs(num)), `d/d${wrt}[${i}]: numeric ${num}, wasm ${grad[i]}`);
        }
      }
    });
  }
}

test('wasm has every convolution backprop kernel after registration', () => {
  for (const k of [
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
  ]) {
    assert.ok(tf.getKernel(k, 'wasm'), `${k} missing on wasm`);
  }
});

// Pooling and upsampling gradients: the stock wasm MaxPoolGrad drops windows whose maximum is
// negative, and both stock ResizeNearestNeighborGrad kernels (wasm, cpu) are wrong for some sizes.
interface PoolCase {
  x: Shape4;
  k: number;
  s: number;
  pad: Pad;
}
const poolCases: PoolCase[] = [
  { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], k: 2, s: 2, pad: 'valid' },
  { x: [1, 7, 9, 2], k: 3, s: 2, pad: 'same' },
  { x: [1, 6, 6, 2], k: 5, s: 1, pad: 'same' },
];

async function gradOf(
  backend: string,
  f: (x: tf.Tensor4D) => tf.Tensor,
  xs: Float32Array,
  shape: Shape4,
  r: Float32Array,
): Promise<Float32Array> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, shape);
    const y = f(x);
    const rr = tf.tensor(r, y.shape);
    return tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor4D), rr)))(x)
      .dataSync() as Float32Array;
  });
}

/** Loss at x + delta·e_i on cpu (the forward pass, which is correct everywhere). */
async function lossAt(
  f: (x: tf.Tensor4D) => tf.Tensor,
  xs: Float32Array,
  shape: Shape4,
  r: Float32Array,
  i: number,
  delta: number,
): Promise<number> {
  assert.ok(await tf.setBackend('cpu'));
  return tf.tidy(() => {
    const v = Float32Array.from(xs);
    v[i] += delta;
    const y = f(tf.tensor4d(v, shape));
    return tf.sum(tf.mul(y, tf.tensor(r, y.shape))).dataSync()[0];
  });
}

for (const c of poolCases) {
  test(`wasm MaxPoolGrad x${c.x.join('x')} k${c.k} s${c.s} ${c.pad}: matches cpu and finite differences, negative windows included`, async () => {
    const f = (x: tf.Tensor4D): tf.Tensor => tf.maxPool(x, c.k, c.s, c.pad);
    const xs = randomData(c.x, 11); // about half the windows have a negative maximum
    const outShape = tf.tidy(() => f(tf.tensor4d(xs, c.x)).shape);
    const r = randomData(outShape, 12);
    const stock = await gradOf('cpu', f, xs, c.x, r);
    const wasm = await gradOf('wasm', f, xs, c.x, r);
    assert.ok(maxAbsDiff(stock, wasm) < 1e-5, `differs from cpu by ${maxAbsDiff(stock, wasm)}`);
    // The plain-ops version (for backends without the kernel) agrees too.
    assert.ok(await tf.setBackend('cpu'));
    const ops = tf.tidy(() => {
      const x = tf.tensor4d(xs, c.x);
      return maxPoolGradient(tf.tensor4d(r, outShape as Shape4), x, f(x) as tf.Tensor4D, c.k, c.s, c.pad).dataSync() as Float32Array;
    });
    assert.ok(maxAbsDiff(stock, ops) < 1e-5, `plain-ops MaxPoolGrad differs from cpu by ${maxAbsDiff(stock, ops)}`);
    // Finite differences with a step smaller than the gap to any other value in the window.
    for (const i of [0, 5, xs.length - 1]) {
      const num = ((await lossAt(f, xs, c.x, r, i, 1e-2)) - (await lossAt(f, xs, c.x, r, i, -1e-2))) / 2e-2;
      assert.ok(Math.abs(num - wasm[i]) < 2e-2, `dx[${i}]: numeric ${num}, wasm ${wasm[i]}`);
    }
  });
}

for (const [from, to] of [
  [7, 14],
  [4, 12],
  [5, 8],
] as const) {
  test(`ResizeNearestNeighborGrad ${from}→${to} on wasm and cpu: equal to the exact sum over source pixels`, async () => {
    const shape: Shape4 = [2, from, from, 3];
    const f = (x: tf.Tensor4D): tf.Tensor => tf.image.resizeNearestNeighbor(x, [to, to]);
    const xs = randomData(shape, 21);
    const r = randomData([2, to, to, 3], 22);
    // The loss is linear in x: its gradient is the sum of r over the outputs each input pixel feeds.
    const src = Array.from({ length: to }, (_, i) => Math.floor((i * from) / to));
    const exact = new Float32Array(xs.length);
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < to; y++)
        for (let x = 0; x < to; x++)
          for (let k = 0; k < 3; k++) {
            exact[((n * from + src[y]) * from + src[x]) * 3 + k] += r[((n * to + y) * to + x) * 3 + k];
          }
    registerTrainingKernels('cpu');
    for (const backend of ['wasm', 'cpu']) {
      const g = await gradOf(backend, f, xs, shape, r);
      assert.ok(maxAbsDiff(g, exact) < 1e-5, `${backend} differs from the exact gradient by ${maxAbsDiff(g, exact)}`);
    }
  });
}
