// Evaluation over a set: mean loss, accuracy and top-5, computed in batches (on the cpu backend).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ArraySource } from '../../src/trainer/data/arraySource';
import { evaluate } from '../../src/trainer/train/steps';

before(async () => {
  await tf.setBackend('cpu');
});

test('evaluate: accuracy and top-5 over a set, top-5 only with more than 5 classes', async () => {
  // A "model" that outputs fixed scores: class i scores 7-i, so top-1 is class 0 and top-5 is 0…4.
  const input = tf.input({ shape: [1] });
  const out = tf.layers
    .dense({ units: 7, useBias: true, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 0 }), name: 'fixed' })
    .apply(input) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.getLayer('fixed').setWeights([tf.zeros([1, 7]), tf.tensor1d([7, 6, 5, 4, 3, 2, 1])]);
  const set = new ArraySource([new Float32Array(4)], [[1]], Int32Array.from([0, 4, 5, 6]));
  const r = await evaluate(model, 'logits', set, 7, 3);
  assert.equal(r.accuracy, 0.25);
  assert.equal(r.top5, 0.5);
  const lse = Math.log([7, 6, 5, 4, 3, 2, 1].reduce((sum, v) => sum + Math.exp(v), 0));
  assert.ok(Math.abs(r.loss - (lse - (7 + 3 + 2 + 1) / 4)) < 1e-5, `mean cross-entropy ${r.loss}`);
  const three = await evaluate(model, 'logits', new ArraySource(set.arrays, set.shapes, Int32Array.from([0, 1, 2, 0])), 7, 4);
  assert.equal(three.accuracy, 0.5);
  const noTop5 = new ArraySource([new Float32Array(2)], [[1]], Int32Array.from([0, 1]));
  const small = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: 'two' }).apply(input) as tf.SymbolicTensor });
  assert.equal((await evaluate(small, 'logits', noTop5, 2, 2)).top5, undefined);
});
