// The trainer's Conv2D layer (src/trainer/model/lazyGradConv2d.ts): it runs the backend's FusedConv2D
// (conv + bias + ReLU) under the tape with a gradient registered for that kernel. Checked against the
// stock tfjs-layers Conv2D on the cpu backend (weights' gradients, ReLU, linear, no bias, an
// activation that is not fused, stride 2), against finite differences, and for laziness: a frozen
// prefix and the first layer's input get no gradient kernels at all.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from '../../src/trainer/engines';
import { registerTrainingKernels } from '../../src/trainer/kernels/registerTrainingKernels';
import { conv2d } from '../../src/trainer/model/lazyGradConv2d';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];

before(async () => {
  setWasmPaths(wasmBinaryDir()! + path.sep);
  assert.ok(await tf.setBackend('wasm'));
  registerTrainingKernels('wasm');
});

const LAYERS: ConvArgs[] = [
  { filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
  { filters: 6, kernelSize: 3, padding: 'same', activation: 'linear', useBias: false },
  { filters: 5, kernelSize: 3, padding: 'valid', strides: 2, activation: 'tanh' }, // not fused: applied after
  { filters: 4, kernelSize: 1, padding: 'same', activation: 'relu' },
];
const SHAPE = [2, 9, 9, 3];

function build(ours: boolean, frozen = 0): tf.Sequential {
  const m = tf.sequential();
  LAYERS.forEach((a, i) => {
    const args: ConvArgs = {
      ...a,
      name: `c${i}`,
      kernelInitializer: tf.initializers.glorotNormal({ seed: 10 + i }),
      biasInitializer: tf.initializers.randomNormal({ seed: 20 + i, stddev: 0.1 }),
      ...(i === 0 ? { inputShape: SHAPE.slice(1) } : {}),
    };
    const layer = ours ? conv2d(args) : tf.layers.conv2d(args);
    layer.trainable = i >= frozen;
    m.add(layer);
  });
  m.add(tf.layers.flatten());
  return m;
}

function lossOf(m: tf.Sequential, x: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(m.apply(x, { training: true }) as tf.Tensor, r)) as tf.Scalar;
}

/** Gradients of every trainable weight, in layer order, on `backend`. */
async function grads(backend: string, ours: boolean): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend));
  return tf.tidy(() => {
    const m = build(ours);
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 3);
    const r = tf.randomNormal([SHAPE[0], (m.outputs[0].shape as number[]).slice(1).reduce((a, b) => a * b, 1)], 0, 1, 'float32', 4);
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads: g } = tf.variableGrads(() => lossOf(m, x, r), vars);
    return vars.map((v) => g[v.name].dataSync() as Float32Array);
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(1e-3, ...Array.from(a, Math.abs));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / scale;
}

test("its weight gradients equal the stock Conv2D layer's (cpu reference), on cpu and wasm", async () => {
  const reference = await grads('cpu', false);
  assert.equal(reference.length, 7, '4 kernels + 3 biases');
  for (const backend of ['cpu', 'wasm']) {
    const ours = await grads(backend, true);
    assert.equal(ours.length, reference.length);
    ours.forEach((g, i) => assert.ok(maxRelDiff(reference[i], g) < 1e-4, `${backend} weight ${i}: off by ${maxRelDiff(reference[i], g)}`));
  }
});

test("a kernel weight's gradient matches a finite difference (wasm)", async () => {
  assert.ok(await tf.setBackend('wasm'));
  const m = build(true);
  const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 3);
  const r = tf.randomNormal([SHAPE[0], (m.outputs[0].shape as number[]).slice(1).reduce((a, b) => a * b, 1)], 0, 1, 'float32', 4);
  const kernel = m.getLayer('c0').getWeights()[0];
  const g = tf.tidy(() =>
    Object.values(
      tf.variableGrads(() => lossOf(m, x, r), [m.getLayer('c0').trainableWeights[0].read() as tf.Variable]).grads,
    )[0].dataSync(),
  );
  const base = kernel.dataSync();
  for (const i of [0, 17, base.length - 1]) {
    const at = (delta: number): number =>
      tf.tidy(() => {
        const w = base.slice();
        w[i] += delta;
        m.getLayer('c0').setWeights([tf.tensor(w, kernel.shape), m.getLayer('c0').getWeights()[1]]);
        return lossOf(m, x, r).dataSync()[0];
      });
    const h = 2e-3; // small enough not to cross a ReLU kink here, large enough for float32
    const numeric = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(numeric - g[i]) < 2e-2 * Math.max(1, Math.abs(numeric)), `kernel[${i}]: numeric ${numeric}, gradient ${g[i]}`);
  }
  m.getLayer('c0').setWeights([kernel, m.getLayer('c0').getWeights()[1]]);
});

test("only the needed gradients run: a frozen prefix and the first layer's input get no backprop kernels", async () => {
  assert.ok(await tf.setBackend('wasm'));
  const count = async (frozen: number): Promise<Record<string, number>> => {
    const m = build(true, frozen);
    const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 3);
    const r = tf.randomNormal([SHAPE[0], (m.outputs[0].shape as number[]).slice(1).reduce((a, b) => a * b, 1)], 0, 1, 'float32', 4);
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const info = await tf.profile(() => tf.variableGrads(() => lossOf(m, x, r), vars).value);
    const counts: Record<string, number> = {};
    for (const k of info.kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
    return counts;
  };
  const all = await count(0);
  assert.equal(all.Conv2DBackpropFilter, 4, 'a filter gradient per layer');
  assert.equal(all.Conv2DBackpropInput, 3, 'no input gradient for the first layer');
  assert.equal(all.FusedConv2D, 4, 'the forward pass is one fused kernel per layer');
  const two = await count(2);
  assert.equal(two.Conv2DBackpropFilter, 2, 'frozen layers: no filter gradient');
  assert.equal(two.Conv2DBackpropInput, 1, 'nothing flows into the frozen prefix');
});
