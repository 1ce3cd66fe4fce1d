// The fused Adam (src/trainer/train/fusedAdam.ts) against tfjs' own AdamOptimizer on the wasm engine:
// same weights bit for bit after several steps (odd sizes exercise the scalar tail), the same saved
// state, and a checkpoint of one resumes in the other.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmBinaryDir } from '../../src/trainer/engines';
import { adam, FusedAdam } from '../../src/trainer/train/fusedAdam';

before(async () => {
  setWasmPaths(wasmBinaryDir()! + path.sep);
  assert.ok(await tf.setBackend('wasm'));
});

const SHAPES = [[3, 5], [7], [2, 3, 4, 5]];

/** Runs `steps` optimizer steps on fresh variables with seeded gradients; returns the variables' values. */
function train(opt: tf.Optimizer, steps: number, tag: string): Float32Array[] {
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `${tag}${i}`));
  for (let k = 0; k < steps; k++) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      grads[v.name] = tf.randomNormal(v.shape, 0, 1 + k, 'float32', 1000 + 100 * k + i);
    });
    opt.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const out = vars.map((v) => v.dataSync() as Float32Array);
  tf.dispose(vars);
  return out;
}

test("fused Adam gives the stock AdamOptimizer's weights bit for bit", () => {
  const stock = train(tf.train.adam(0.01), 6, 'stock');
  const fused = train(adam(0.01), 6, 'fused');
  assert.ok(stock.length === fused.length);
  stock.forEach((s, i) => assert.deepEqual(Array.from(fused[i]), Array.from(s), `variable ${i}`));
});

test('the fused kernel runs on wasm (it does not fall back to the stock kernels)', () => {
  const opt: tf.Optimizer = adam(0.01);
  const v = tf.variable(tf.ones([9]), true, 'kernelCount');
  const g = tf.fill([9], 0.5);
  const before = tf.memory().numTensors;
  return tf
    .profile(() => opt.applyGradients({ kernelCount: g }))
    .then((info) => {
      const seen = info.kernels.map((k) => k.name);
      // Stock Adam runs Sqrt, Square and RealDiv per variable; the fused one none of them.
      assert.ok(!seen.includes('Sqrt') && !seen.includes('Square') && !seen.includes('RealDiv'), `kernels: ${seen.join(', ')}`);
      assert.ok(tf.memory().numTensors <= before + 4, 'optimizer state only (m, v, and no leaked temporaries)');
      tf.dispose([v, g]);
      opt.dispose();
    });
});

test("its state saves and loads as the stock Adam's: a stock checkpoint resumes in the fused one", async () => {
  const stock = tf.train.adam(0.02);
  const fused = new FusedAdam(0.02, 0.9, 0.999);
  assert.equal(fused.getClassName(), 'Adam');
  const mk = (tag: string): tf.Variable => tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 5), true, tag);
  const a = mk('resumeA');
  const b = mk('resumeB');
  const step = (opt: tf.Optimizer, v: tf.Variable, k: number): void =>
    tf.tidy(() => opt.applyGradients({ [v.name]: tf.randomNormal([4, 3], 0, 1, 'float32', 50 + k) }));
  for (let k = 0; k < 3; k++) step(stock, a, k);
  // b continues from a's weights and optimizer state, with the fused optimizer.
  b.assign(a.clone());
  const state = await stock.getWeights();
  await fused.setWeights(state.map((w) => ({ name: w.name.replace('resumeA', 'resumeB'), tensor: w.tensor })));
  for (let k = 3; k < 6; k++) {
    step(stock, a, k);
    step(fused, b, k);
  }
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  const names = (await fused.getWeights()).map((w) => w.name);
  assert.deepEqual(names, ['iter', 'resumeB/m', 'resumeB/v']);
});
