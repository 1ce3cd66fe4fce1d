// The tfjs optimizers' per-variable rates off the wasm kernel (the cpu backend here; webgpu takes the
// same path): Adam at multiplier 1 is the stock AdamOptimizer bit for bit, at 0.1 it moves a tenth
// as far; SGD at m moves m × lr × g; retarget keeps each variable's Adam moments by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { adam } from '../../src/trainer/train/fusedAdam';
import { ScaledSgd } from '../../src/trainer/train/rateControl';

before(async () => {
  assert.ok(await tf.setBackend('cpu'));
});

function vars(tag: string): tf.Variable[] {
  return [0, 1].map((i) => tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', 7 + i), true, `${tag}${i}`));
}

function grads(vs: tf.Variable[], k: number): Named[] {
  return vs.map((v, i) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 1, 'float32', 100 * k + i + 1) }));
}

type Named = { name: string; tensor: tf.Tensor };

const release = (g: Named[]): void => tf.dispose(g.map((x) => x.tensor));

function run(opt: tf.Optimizer, vs: tf.Variable[], steps: number): number[][] {
  const start = vs.map((v) => Array.from(v.dataSync()));
  for (let k = 0; k < steps; k++) {
    const g = grads(vs, k);
    opt.applyGradients(g);
    release(g);
  }
  return vs.map((v, i) => Array.from(v.dataSync(), (x, j) => x - start[i][j]));
}

test('Adam off wasm: multiplier 1 is the stock optimizer bit for bit, 0.1 moves a tenth as far on the first step', () => {
  const stock = run(tf.train.adam(0.01), vars('stock'), 3);
  const scaledVars = vars('scaled');
  const scaled = adam(0.01);
  scaled.setMultipliers(new Map([[scaledVars[1].name, 0.1]]));
  const moved = run(scaled, scaledVars, 3);
  assert.deepEqual(moved[0], stock[0], 'multiplier 1');
  const first = run(tf.train.adam(0.01), vars('once'), 1)[1];
  const firstScaledVars = vars('onceScaled');
  const once = adam(0.01);
  once.setMultipliers(new Map([[firstScaledVars[1].name, 0.1]]));
  const firstScaled = run(once, firstScaledVars, 1)[1];
  firstScaled.forEach((d, j) => assert.ok(Math.abs(d - 0.1 * first[j]) <= 1e-6, `${d} vs 0.1 × ${first[j]}`));
});

test('SGD: each variable moves by its multiplier × lr × its gradient; setRate changes lr', () => {
  const vs = vars('sgd');
  const opt = new ScaledSgd(0.5);
  opt.setMultipliers(new Map([[vs[0].name, 3]]));
  opt.setRate(0.2);
  const g = grads(vs, 9);
  const expected = g.map((x, i) => Array.from(x.tensor.dataSync(), (v: number) => -0.2 * (i === 0 ? 3 : 1) * v));
  const before = vs.map((v) => Array.from(v.dataSync()));
  opt.applyGradients(g);
  release(g);
  vs.forEach((v, i) => Array.from(v.dataSync()).forEach((x, j) => assert.ok(Math.abs(x - before[i][j] - expected[i][j]) <= 1e-6)));
});

test("retarget: a variable that stays keeps its moments, a new one starts from zero, a dropped one's are released", () => {
  const [a, b] = vars('re');
  const opt = adam(0.01);
  const g = grads([a], 1);
  opt.applyGradients(g);
  release(g);
  const weightsOf = async (): Promise<Map<string, number[]>> =>
    new Map((await opt.getWeights()).slice(1).map((w) => [w.name, Array.from(w.tensor.dataSync())]));
  return weightsOf().then(async (before) => {
    opt.retarget([b.name, a.name]);
    const afterW = await weightsOf();
    assert.deepEqual([...afterW.keys()], [`${b.name}/m`, `${a.name}/m`, `${b.name}/v`, `${a.name}/v`]);
    assert.deepEqual(afterW.get(`${a.name}/m`), before.get(`${a.name}/m`));
    assert.ok(afterW.get(`${b.name}/m`)!.every((x) => x === 0));
    const tensors = tf.memory().numTensors;
    opt.retarget([b.name]);
    assert.equal(tf.memory().numTensors, tensors - 2, "a's m and v released");
  });
});
