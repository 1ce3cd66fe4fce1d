// The engines' per-image evaluation outputs (predictions/*.json is built from them): on tfjs, the
// predicted class is the argmax the accuracy counts, the probability the softmax's (or the softmax
// output's) highest, and the losses average to val/loss; on torch, the same numbers as tfjs for the
// same model and weights. The torch half needs PyTorch >= 1.13 (skipped without).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateEngine } from '../../src/trainer/engines';
import { prepareModel } from '../../src/trainer/model/prepareModel';
import { probeTorch, TorchProbe } from '../../src/trainer/torch/probeTorch';
import { TorchSteps } from '../../src/trainer/torch/torchSteps';
import { evaluate } from '../../src/trainer/train/steps';
import { randomSet } from '../support/featureSets';
import { TINY_MODEL } from '../support/trainerFixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-evalimages-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let torch: TorchProbe;
before(async () => {
  await activateEngine('cpu');
  torch = await probeTorch();
});

const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

for (const output of ['logits', 'probabilities'] as const) {
  test(`tfjs evaluate (${output}): per-image class, probability and loss agree with its accuracy and loss`, async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: output === 'logits' ? 'linear' : 'softmax' })],
    });
    const set = randomSet(23, [6], 4, 3);
    const r = await evaluate(model, output, set, 4, 5); // batches of 5: the last is short
    const y = tf.tidy(() => model.predict(tf.tensor2d(set.arrays[0], [23, 6])) as tf.Tensor2D);
    const rows = y.arraySync();
    y.dispose();
    const im = r.images!;
    assert.equal(im.predicted.length, 23);
    let correct = 0;
    rows.forEach((row, i) => {
      const p = output === 'logits' ? row.map((v) => Math.exp(v) / row.reduce((s, u) => s + Math.exp(u), 0)) : row;
      const best = p.indexOf(Math.max(...p));
      assert.equal(im.predicted[i], best, `image ${i}`);
      assert.ok(Math.abs(im.probability[i] - p[best]) < 1e-5, `probability of image ${i}`);
      assert.ok(Math.abs(im.loss[i] + Math.log(p[set.labels[i]])) < 1e-4, `loss of image ${i}`);
      if (best === set.labels[i]) correct++;
    });
    assert.equal(r.accuracy, correct / 23);
    assert.ok(Math.abs(mean(im.loss) - r.loss) < 1e-5, `${mean(im.loss)} vs ${r.loss}`);
  });
}

const TFJS_SOFTMAX = path.resolve(__dirname, '../../../test/fixtures/models/tfjs-sequential/model.json');

for (const output of ['logits', 'probabilities'] as const) {
  test(`torch evaluate (${output}): the same per-image outputs as tfjs for the same model and weights`, async (t) => {
    if (!torch.available) return t.skip(torch.reason);
    let modelFile = TFJS_SOFTMAX; // a tfjs model whose last layer is a softmax
    let shape: [number, number, number] = [28, 28, 1];
    if (output === 'logits') {
      modelFile = path.join(tmp, 'model.yaml');
      writeFileSync(modelFile, TINY_MODEL.replace('nc: 2', 'nc: 3'));
      shape = [12, 12, 1];
    }
    const p = await prepareModel({ modelFile, imageShape: shape, classes: 3, seed: 5, freeze: 0 });
    assert.equal(p.output, output);
    const val = randomSet(21, shape, 3, 2);
    const mine = await evaluate(p.model, p.output, val, 3, 8);
    const s = await TorchSteps.start({
      python: torch.python!,
      device: 'cpu',
      prepared: p,
      train: randomSet(4, shape, 3, 1),
      val,
      optimizer: 'adam',
      lr: 0.01,
      seed: 1,
      log: () => undefined,
    });
    try {
      const theirs = await s.steps.evaluate(8);
      assert.deepEqual(Array.from(theirs.images!.predicted), Array.from(mine.images!.predicted));
      for (let i = 0; i < 21; i++) {
        assert.ok(Math.abs(theirs.images!.probability[i] - mine.images!.probability[i]) < 1e-4, `probability ${i}`);
        assert.ok(Math.abs(theirs.images!.loss[i] - mine.images!.loss[i]) < 1e-4, `loss ${i}`);
      }
      assert.equal(theirs.accuracy, mine.accuracy);
      assert.ok(Math.abs(mean(theirs.images!.loss) - theirs.loss) < 1e-5);
    } finally {
      s.steps.dispose();
    }
  });
}
