// Freezing really skips backprop: per-step kernel counts from tf.profile (not timings). Frozen
// layers get no filter gradients, nothing behind them gets input gradients, frozen weights and
// frozen batch-norm statistics stay put, trainable ones move.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FreezeSpec } from '../../src/shared/experiment/types';
import { activateEngine } from '../../src/trainer/engines';
import { prepareModel, PreparedModel } from '../../src/trainer/model/prepareModel';
import { makeOptimizer, trainableVariables, trainStep } from '../../src/trainer/train/steps';
import { TINY_MODEL } from '../support/trainerFixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-freeze-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const modelFile = path.join(tmp, 'model.yaml');

before(async () => {
  writeFileSync(modelFile, TINY_MODEL);
  await activateEngine('wasm');
});

async function prepared(freeze: FreezeSpec): Promise<PreparedModel> {
  return prepareModel({ modelFile, imageShape: [14, 14, 1], classes: 2, seed: 1, freeze });
}

async function kernelCounts(p: PreparedModel): Promise<Map<string, number>> {
  const opt = makeOptimizer('adam', 0.01);
  const vars = trainableVariables(p.model);
  const x = tf.randomUniform([4, 14, 14, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D;
  const info = await tf.profile(() => {
    trainStep(p.model, opt, vars, p.output, [x], y).dispose();
  });
  tf.dispose([x, y]);
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}

const grads = (c: Map<string, number>): number[] =>
  ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'].map((k) => c.get(k) ?? 0);

test('nothing frozen: a filter gradient per conv, input gradient for the second conv, both pool gradients', async () => {
  assert.deepEqual(grads(await kernelCounts(await prepared(0))), [2, 1, 2]);
});

test('first conv frozen ([0]): one filter gradient, no input gradient, one pool gradient', async () => {
  assert.deepEqual(grads(await kernelCounts(await prepared([0]))), [1, 0, 1]);
});

test('backbone frozen (4): no convolution or pooling backprop at all, forward convs still run', async () => {
  const c = await kernelCounts(await prepared(4));
  assert.deepEqual(grads(c), [0, 0, 0]);
  assert.equal((c.get('Conv2D') ?? 0) + (c.get('FusedConv2D') ?? 0), 2);
});

test('a frozen layer in the middle ([2]) gets no filter gradient; the gradient still passes through it', async () => {
  assert.deepEqual(grads(await kernelCounts(await prepared([2]))), [1, 1, 2]);
});

test('a step moves trainable weights and statistics only; frozen batch norm runs in inference mode', async () => {
  const p = await prepared([0]);
  const snapshot = (name: string): Float32Array =>
    p
      .tfLayer(name)!
      .getWeights()
      .map((w) => w.dataSync() as Float32Array)
      .reduce((a, b) => Float32Array.from([...a, ...b]), new Float32Array(0));
  const before0 = { conv: snapshot('model.0.conv'), bn: snapshot('model.0.bn') };
  const before2 = { conv: snapshot('model.2.conv'), bn: snapshot('model.2.bn') };
  const opt = makeOptimizer('sgd', 0.1);
  const vars = trainableVariables(p.model);
  assert.equal(vars.length, 1 + 2 + 2, 'model.2.conv kernel (no bias), model.2.bn gamma/beta, model.5 kernel/bias');
  const x = tf.randomUniform([4, 14, 14, 1], 0, 1, 'float32', 2);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D;
  trainStep(p.model, opt, vars, p.output, [x], y).dispose();
  assert.deepEqual(snapshot('model.0.conv'), before0.conv);
  assert.deepEqual(snapshot('model.0.bn'), before0.bn, 'frozen BN: gamma, beta and moving statistics unchanged');
  assert.notDeepEqual(snapshot('model.2.conv'), before2.conv);
  assert.notDeepEqual(snapshot('model.2.bn'), before2.bn);
  tf.dispose([x, y]);
});
