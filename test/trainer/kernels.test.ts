// The wasm heap kernels (wasmConvKernels.ts) against the cpu backend's stock kernels, finite
// differences and plain reference loops: every fast path (the flat patch copy, per-row copies,
// strided gathers, the 2×2 pooling path with ties) and a whole training step of a small CNN.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from '../../src/trainer/engines';
import { registerTrainingKernels } from '../../src/trainer/kernels/registerTrainingKernels';
import {
  conv2dFilterGradientWasm,
  conv2dInputGradientWasm,
  flipTransposeFilterWasm,
  maxPoolGradientWasm,
} from '../../src/trainer/kernels/wasmConvKernels';
import { trainingKernels } from '../../src/trainer/kernels/trainingKernelsWasm';
import { allocate, heapF32, offsetOf } from '../../src/trainer/kernels/wasmHeap';
import { isWasmBackend, WasmBackendLike } from '../../src/trainer/kernels/wasmHeap';

interface PatchGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
  ho: number;
  wo: number;
}

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

function randomData(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function wasmBackend(): WasmBackendLike {
  const b = tf.backend();
  assert.ok(isWasmBackend(b), 'the active backend is not wasm');
  return b;
}

before(async () => {
  setWasmPaths(wasmBinaryDir()! + path.sep);
  assert.ok(await tf.setBackend('wasm'));
  registerTrainingKernels('wasm');
});

test('patchesT (wasm kernel) equals a plain loop, on the flat path and the general paths', () => {
  const geometries: PatchGeometry[] = [
    { n: 2, h: 5, w: 6, c: 3, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, left: 1, ho: 5, wo: 6 }, // flat ('same')
    { n: 2, h: 5, w: 6, c: 2, kh: 3, kw: 2, sh: 1, sw: 1, top: 0, left: 0, ho: 3, wo: 5 }, // rows ('valid')
    { n: 1, h: 7, w: 7, c: 2, kh: 3, kw: 3, sh: 2, sw: 2, top: 1, left: 1, ho: 4, wo: 4 }, // strided
    { n: 2, h: 4, w: 4, c: 1, kh: 5, kw: 5, sh: 1, sw: 1, top: 2, left: 2, ho: 4, wo: 4 }, // kernel wider than half the input
    { n: 1, h: 3, w: 8, c: 2, kh: 1, kw: 3, sh: 1, sw: 3, top: 0, left: 1, ho: 3, wo: 3 },
  ];
  for (const g of geometries) {
    const { n, h, w, c, kh, kw, sh, sw, top, left, ho, wo } = g;
    const plane = n * h * w;
    const m = n * ho * wo;
    const backend = wasmBackend();
    const xT = tf.tensor1d(Array.from({ length: c * plane }, (_, i) => i + 1));
    const outT = allocate(backend, [kh * kw * c * m]);
    const x0 = offsetOf(backend, xT);
    const out = offsetOf(backend, outT);
    heapF32(backend).fill(NaN, out, out + kh * kw * c * m); // NaN: every output must be written
    trainingKernels(backend).patchesT(4 * x0, 4 * out, n, h, w, c, kh, kw, sh, sw, top, left, ho, wo);
    const heap = heapF32(backend);
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++)
        for (let ci = 0; ci < c; ci++) {
          for (let ni = 0; ni < n; ni++)
            for (let i = 0; i < ho; i++)
              for (let j = 0; j < wo; j++) {
                const si = i * sh + a - top;
                const sj = j * sw + b - left;
                const want = si >= 0 && si < h && sj >= 0 && sj < w ? heap[x0 + ci * plane + (ni * h + si) * w + sj] : 0;
                const got = heap[out + ((a * kw + b) * c + ci) * m + (ni * ho + i) * wo + j];
                assert.equal(got, want, `${JSON.stringify(g)}: P[${a},${b},${ci}][${ni},${i},${j}]`);
              }
        }
    tf.dispose([xT, outT]);
  }
});

test('flipTransposeFilterWasm equals reverse + transpose on the cpu backend', async () => {
  const shape: Shape4 = [3, 2, 4, 5];
  const data = randomData(shape, 3);
  assert.ok(await tf.setBackend('cpu'));
  const want = tf.tidy(() => tf.transpose(tf.reverse(tf.tensor4d(data, shape), [0, 1]), [0, 1, 3, 2]).dataSync());
  assert.ok(await tf.setBackend('wasm'));
  const got = tf.tidy(() => flipTransposeFilterWasm(wasmBackend(), tf.tensor4d(data, shape)).dataSync());
  assert.equal(maxAbsDiff(got, want), 0);
});

interface ConvCase {
  x: Shape4;
  f: Shape4;
  stride: number | [number, number];
  pad: Pad;
}
const convCases: ConvCase[] = [
  { x: [2, 9, 7, 3], f: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 6, 8, 2], f: [3, 2, 2, 3], stride: 1, pad: 'valid' },
  { x: [1, 6, 6, 4], f: [5, 5, 4, 2], stride: 1, pad: 'same' },
  { x: [2, 7, 7, 2], f: [3, 3, 2, 3], stride: 2, pad: 'same' },
  { x: [2, 8, 6, 3], f: [1, 1, 3, 4], stride: [2, 1], pad: 'valid' },
  {
    x: [1, 6, 7, 2],
    f: [3, 3, 2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
  },
  // Few input channels and output channels in eights: the direct first-layer filter gradient.
  { x: [2, 9, 7, 3], f: [3, 3, 3, 8], stride: 1, pad: 'same' },
  { x: [3, 5, 6, 1], f: [3, 2, 1, 16], stride: 1, pad: 'valid' },
  { x: [1, 4, 4, 4], f: [5, 5, 4, 8], stride: 1, pad: 'same' }, // kernel wider than the image
  {
    x: [2, 6, 7, 2],
    f: [3, 3, 2, 8],
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [1, 1],
      [0, 0],
    ],
  },
];

/** Filter and input gradients of sum(conv(x, f) * r) on a backend, through tf.grads (so the registered kernels run). */
async function convGrads(
  backend: string,
  c: ConvCase,
  xs: Float32Array,
  fs: Float32Array,
  r: Float32Array,
): Promise<{ dx: Float32Array; df: Float32Array }> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x);
    const f = tf.tensor4d(fs, c.f);
    const outShape = tf.conv2d(x, f, c.stride, c.pad).shape;
    const rr = tf.tensor(r, outShape);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), rr)),
    )([x, f]);
    return { dx: dx.dataSync() as Float32Array, df: df.dataSync() as Float32Array };
  });
}

for (const c of convCases) {
  const label = `x${c.x.join('x')} f${c.f.join('x')} stride ${JSON.stringify(c.stride)} pad ${JSON.stringify(c.pad)}`;
  test(`wasm conv gradients ${label}: match the cpu backend and finite differences`, async () => {
    const xs = randomData(c.x, 1);
    const fs = randomData(c.f, 2);
    assert.ok(await tf.setBackend('cpu'));
    const outShape = tf.tidy(() => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(fs, c.f), c.stride, c.pad).shape);
    const r = randomData(outShape, 7);
    const cpu = await convGrads('cpu', c, xs, fs, r);
    const wasm = await convGrads('wasm', c, xs, fs, r);
    assert.ok(maxAbsDiff(cpu.df, wasm.df) < 1e-4, `filter gradient differs by ${maxAbsDiff(cpu.df, wasm.df)}`);
    assert.ok(maxAbsDiff(cpu.dx, wasm.dx) < 1e-4, `input gradient differs by ${maxAbsDiff(cpu.dx, wasm.dx)}`);
    // The loss is linear in each argument, so a central difference with a large step is exact.
    assert.ok(await tf.setBackend('cpu'));
    const loss = (xv: Float32Array, fv: Float32Array): number =>
      tf.tidy(
        () => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f), c.stride, c.pad), tf.tensor(r, outShape))).dataSync()[0],
      );
    for (const [wrt, grad] of [
      ['f', wasm.df],
      ['x', wasm.dx],
    ] as const) {
      for (const i of [0, Math.floor(grad.length / 3), grad.length - 1]) {
        const plus = (wrt === 'x' ? xs : fs).slice();
        const minus = plus.slice();
        plus[i] += 0.5;
        minus[i] -= 0.5;
        const num = wrt === 'x' ? loss(plus, fs) - loss(minus, fs) : loss(xs, plus) - loss(xs, minus);
        assert.ok(Math.abs(num - grad[i]) < 2e-3 * Math.max(1, Math.abs(num)), `d/d${wrt}[${i}]: numeric ${num}, wasm ${grad[i]}`);
      }
    }
    // The stride-1 cases take the fast input-gradient identity (others fall back to the general one).
    assert.ok(await tf.setBackend('wasm'));
    const fast = tf.tidy(() => {
      const g = conv2dInputGradientWasm(wasmBackend(), c.x, tf.tensor4d(r, outShape as Shape4), tf.tensor4d(fs, c.f), c.stride, c.pad);
      return g?.dataSync();
    });
    if (c.stride === 1) {
      assert.ok(fast, 'stride 1 should use the fast input gradient');
      assert.ok(maxAbsDiff(fast, cpu.dx) < 1e-4);
    } else {
      assert.equal(fast, undefined);
    }
    const direct = tf.tidy(() =>
      conv2dFilterGradientWasm(wasmBackend(), tf.tensor4d(xs, c.x), tf.tensor4d(r, outShape as Shape4), c.f, c.stride, c.pad).dataSync(),
    );
    assert.ok(maxAbsDiff(direct, cpu.df) < 1e-4);
  });
}

interface PoolCase {
  x: Shape4;
  k: number | [number, number];
  s: number | [number, number];
  pad: 'same' | 'valid';
  ties?: boolean;
}
const poolCases: PoolCase[] = [
  { x: [2, 8, 6, 8], k: 2, s: 2, pad: 'valid', ties: true }, // the 2×2 fast path, with many equal values
  { x: [2, 8, 6, 3], k: 2, s: 2, pad: 'valid' },
  { x: [1, 7, 7, 2], k: 2, s: 2, pad: 'valid', ties: true }, // odd size: general path
  { x: [1, 7, 9, 2], k: 3, s: 2, pad: 'same' },
  { x: [1, 6, 6, 3], k: [2, 3], s: 1, pad: 'same', ties: true }, // overlapping windows accumulate
];

for (const c of poolCases) {
  test(`wasm MaxPoolGrad x${c.x.join('x')} k${JSON.stringify(c.k)} s${JSON.stringify(c.s)} ${c.pad}${c.ties ? ' with ties' : ''}: matches cpu`, async () => {
    // Ties: values rounded to a few levels and clipped at 0, as after a ReLU.
    const raw = randomData(c.x, 5);
    const xs = c.ties ? raw.map((v) => Math.max(0, Math.round(v * 2) / 2)) : raw;
    const f = (x: tf.Tensor4D): tf.Tensor4D => tf.maxPool(x, c.k, c.s, c.pad);
    const grad = async (backend: string, r: Float32Array): Promise<Float32Array> => {
      assert.ok(await tf.setBackend(backend));
      return tf.tidy(() => {
        const x = tf.tensor4d(xs, c.x);
        const rr = tf.tensor(r, f(x).shape);
        return tf
          .grad((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor4D), rr)))(x)
          .dataSync() as Float32Array;
      });
    };
    const outShape = tf.tidy(() => f(tf.tensor4d(xs, c.x)).shape);
    const r = randomData(outShape, 6);
    const cpu = await grad('cpu', r);
    const wasm = await grad('wasm', r);
    assert.ok(maxAbsDiff(cpu, wasm) < 1e-6, `differs from cpu by ${maxAbsDiff(cpu, wasm)}`);
    // Direct call, on a tensor whose output memory held other values before (no stale gradients).
    const stale = tf.fill(c.x, 7);
    stale.dataSync();
    stale.dispose();
    const direct = tf.tidy(() => {
      const info = maxPoolGradientWasm(wasmBackend(), tf.tensor4d(r, outShape as Shape4), tf.tensor4d(xs, c.x), c.k, c.s, c.pad);
      return tf.engine().makeTensorFromTensorInfo(info).dataSync();
    });
    assert.ok(maxAbsDiff(cpu, direct) < 1e-6);
  });
}

test('MaxPoolGrad without ties matches finite differences', async () => {
  const shape: Shape4 = [1, 6, 6, 4];
  const xs = randomData(shape, 9);
  const r = randomData([1, 3, 3, 4], 10);
  assert.ok(await tf.setBackend('wasm'));
  const g = tf.tidy(() => {
    const rr = tf.tensor(r, [1, 3, 3, 4]);
    return tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid'), rr)))(tf.tensor4d(xs, shape))
      .dataSync();
  });
  assert.ok(await tf.setBackend('cpu'));
  const loss = (v: Float32Array): number =>
    tf.tidy(() => tf.sum(tf.mul(tf.maxPool(tf.tensor4d(v, shape), 2, 2, 'valid'), tf.tensor(r, [1, 3, 3, 4]))).dataSync()[0]);
  for (const i of [0, 17, 63, xs.length - 1]) {
    const plus = xs.slice();
    const minus = xs.slice();
    plus[i] += 1e-3;
    minus[i] -= 1e-3;
    const num = (loss(plus) - loss(minus)) / 2e-3;
    assert.ok(Math.abs(num - g[i]) < 1e-2, `dx[${i}]: numeric ${num}, wasm ${g[i]}`);
  }
});

test('a training step of a small CNN: every weight gradient on wasm matches the cpu backend', async () => {
  const build = (): tf.Sequential => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({
        inputShape: [12, 12, 3],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }),
      }),
    );
    m.add(
      tf.layers.conv2d({
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'valid',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
      }),
    );
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 5, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }));
    return m;
  };
  const xs = randomData([3, 12, 12, 3], 11);
  const labels = [0, 3, 4];
  const gradsOn = async (backend: string): Promise<Float32Array[]> => {
    assert.ok(await tf.setBackend(backend));
    return tf.tidy(() => {
      const model = build();
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 5);
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(tf.tensor4d(xs, [3, 12, 12, 3])) as tf.Tensor) as tf.Scalar,
        model.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      return model.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name].dataSync() as Float32Array);
    });
  };
  const cpu = await gradsOn('cpu');
  const wasm = await gradsOn('wasm');
  assert.equal(wasm.length, cpu.length);
  cpu.forEach((g, i) => {
    const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
    assert.ok(maxAbsDiff(g, wasm[i]) < 1e-4 * scale + 1e-6, `weight ${i}: differs by ${maxAbsDiff(g, wasm[i])} (scale ${scale})`);
  });
});

// The wrapped stock kernels (wasmDataKernels.ts): fast paths and fall-backs against the cpu backend.
async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  // f reads its results out with dataSync; the few small tensors it leaves are not worth a scope.
  assert.ok(await tf.setBackend('cpu'));
  const cpu = f();
  assert.ok(await tf.setBackend('wasm'));
  const wasm = f();
  return { cpu, wasm };
}

test('wasm Tile (float32 and int32, any rank and repeats) equals the cpu backend', async () => {
  const cases: Array<{ shape: number[]; reps: number[]; dtype: 'float32' | 'int32' }> = [
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: 'float32' }, // the batch-norm gradient's broadcast
    { shape: [2, 3], reps: [3, 2], dtype: 'float32' },
    { shape: [2, 1, 3], reps: [1, 5, 2], dtype: 'int32' },
    { shape: [4], reps: [7], dtype: 'int32' },
    { shape: [2, 2], reps: [1, 1], dtype: 'float32' },
    { shape: [3, 2], reps: [0, 2], dtype: 'float32' },
  ];
  for (const c of cases) {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => (c.dtype === 'int32' ? i * 7 - 3 : Math.sin(i) * 10));
    const { cpu, wasm } = await onBoth(() => {
      const t = tf.tile(tf.tensor(values, c.shape, c.dtype), c.reps);
      return { shape: t.shape, data: Array.from(t.dataSync()) };
    });
    assert.deepEqual(wasm, cpu, `tile ${JSON.stringify(c)}`);
  }
});

test('wasm Sum and Mean over leading axes (and others, through the stock kernel) equal the cpu backend', async () => {
  const data = randomData([4, 5, 3, 6], 21);
  for (const axis of [[0, 1, 2], [0], [0, 1], 0, [1, 2], [3], [-4, -3], [0, 1, 2, 3]]) {
    for (const keepDims of [false, true]) {
      const { cpu, wasm } = await onBoth(() => {
        const x = tf.tensor4d(data, [4, 5, 3, 6]);
        const s = tf.sum(x, axis, keepDims);
        const m = tf.mean(x, axis, keepDims);
        return { shapes: [s.shape, m.shape], sum: s.dataSync(), mean: m.dataSync() };
      });
      assert.deepEqual(wasm.shapes, cpu.shapes, `axis ${JSON.stringify(axis)} keepDims ${keepDims}`);
      assert.ok(maxAbsDiff(wasm.sum, cpu.sum) < 1e-4, `sum over ${JSON.stringify(axis)}`);
      assert.ok(maxAbsDiff(wasm.mean, cpu.mean) < 1e-5, `mean over ${JSON.stringify(axis)}`);
    }
  }
});

test('wasm BatchMatMul with transposed operands equals the cpu backend (rank 2 and 3)', async () => {
  const a = randomData([6, 4], 31);
  const b = randomData([6, 5], 32);
  const c = randomData([5, 4], 33);
  const { cpu, wasm } = await onBoth(() => {
    const A = tf.tensor2d(a, [6, 4]);
    const B = tf.tensor2d(b, [6, 5]);
    const C = tf.tensor2d(c, [5, 4]);
    const outs = [
      tf.matMul(A, B, true, false), // [4, 5]
      tf.matMul(B, C, false, false), // untransposed
      tf.matMul(A, C, false, true), // [6, 5]
      tf.matMul(C, B, true, true), // [4, 6]
      tf.matMul(tf.reshape(A, [1, 6, 4]), tf.reshape(B, [1, 6, 5]), true, false), // rank 3
      tf.matMul(tf.stack([A, A]), tf.stack([B, B]), true, false), // batch 2: the stock kernel
    ];
    return outs.map((t) => ({ shape: t.shape, data: t.dataSync() }));
  });
  cpu.forEach((r, i) => {
    assert.deepEqual(wasm[i].shape, r.shape, `product ${i}`);
    assert.ok(maxAbsDiff(wasm[i].data, r.data) < 1e-5, `product ${i} differs by ${maxAbsDiff(wasm[i].data, r.data)}`);
  });
});

test('batch-norm and dense gradients (Tile, Sum, Mean and transposed BatchMatMul inside) match cpu and finite differences', async () => {
  const xs = randomData([4, 3, 3, 5], 41);
  const ws = randomData([45, 6], 42);
  const r = randomData([4, 6], 43);
  // loss = sum(dense(flatten(batchnorm(x))) * r), batch norm in training mode (moments of the batch).
  const loss = (x: tf.Tensor4D, w: tf.Tensor2D): tf.Scalar => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const y = tf.batchNorm(x, mean, variance, tf.fill([5], 0.1), tf.fill([5], 1.5), 1e-3);
    return tf.sum(tf.mul(tf.matMul(tf.reshape(y, [4, 45]), w), tf.tensor2d(r, [4, 6])));
  };
  const grads = async (backend: string): Promise<Float32Array[]> => {
    assert.ok(await tf.setBackend(backend));
    return tf.tidy(() =>
      tf
        .grads((x: tf.Tensor, w: tf.Tensor) => loss(x as tf.Tensor4D, w as tf.Tensor2D))([
          tf.tensor4d(xs, [4, 3, 3, 5]),
          tf.tensor2d(ws, [45, 6]),
        ])
        .map((g) => g.dataSync() as Float32Array),
    );
  };
  const cpu = await grads('cpu');
  const wasm = await grads('wasm');
  cpu.forEach((g, i) => assert.ok(maxAbsDiff(g, wasm[i]) < 1e-4, `gradient ${i} differs by ${maxAbsDiff(g, wasm[i])}`));
  assert.ok(await tf.setBackend('cpu'));
  const at = (x: Float32Array, w: Float32Array): number =>
    tf.tidy(() => loss(tf.tensor4d(x, [4, 3, 3, 5]), tf.tensor2d(w, [45, 6])).dataSync()[0]);
  for (const i of [0, 50, xs.length - 1]) {
    const plus = xs.slice();
    const minus = xs.slice();
    plus[i] += 1e-2;
    minus[i] -= 1e-2;
    const num = (at(plus, ws) - at(minus, ws)) / 2e-2;
    assert.ok(Math.abs(num - wasm[0][i]) < 2e-2 * Math.max(1, Math.abs(num)), `dx[${i}]: numeric ${num}, wasm ${wasm[0][i]}`);
  }
  for (const i of [0, 100, ws.length - 1]) {
    const plus = ws.slice();
    const minus = ws.slice();
    plus[i] += 0.5;
    minus[i] -= 0.5;
    const num = at(xs, plus) - at(xs, minus); // linear in w: exact
    assert.ok(Math.abs(num - wasm[1][i]) < 1e-3 * Math.max(1, Math.abs(num)), `dw[${i}]: numeric ${num}, wasm ${wasm[1][i]}`);
  }
});
