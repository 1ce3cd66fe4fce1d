// Data-parallel steps (bench/parallel/dataParallel.ts, the bench's ours-dp2 variant): a model trained with its batch split
// between this thread and a worker thread ends up with the same weights and losses as one trained
// on whole batches, frozen layers stay untouched, and a broken replica fails with its reason.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateEngine } from '../../src/trainer/engines';
import { conv2d } from '../../src/trainer/model/lazyGradConv2d';
import { DataParallelStep } from '../../bench/parallel/dataParallel';

const workerScript = path.resolve(__dirname, '../../bench/parallel/gradientWorker.js');

function build(): tf.Sequential {
  const m = tf.sequential();
  m.add(
    conv2d({
      inputShape: [10, 10, 3],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c0',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'p0' }));
  m.add(
    conv2d({
      filters: 6,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      name: 'c1',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  m.add(tf.layers.flatten({ name: 'f' }));
  m.add(tf.layers.dense({ units: 4, name: 'd', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  return m;
}

before(async () => {
  await activateEngine('wasm');
});

test('a data-parallel step equals a whole-batch step: losses and weights after 4 Adam steps', async () => {
  const x = tf.randomUniform([12, 10, 10, 3], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1, 0], 'int32'), 4).toFloat() as tf.Tensor2D;
  const single = build();
  const parallel = build();
  parallel.setWeights(single.getWeights());
  for (const m of [single, parallel]) m.getLayer('c0').trainable = false; // a frozen layer must stay frozen
  const frozenBefore = single.getLayer('c0').getWeights()[0].dataSync().slice();
  const optA = tf.train.adam(0.01);
  const optB = tf.train.adam(0.01);
  const varsA = single.trainableWeights.map((w) => w.read() as tf.Variable);
  const varsB = parallel.trainableWeights.map((w) => w.read() as tf.Variable);
  const dp = await DataParallelStep.start(parallel, varsB, 'logits', 1, workerScript);
  try {
    for (let s = 0; s < 4; s++) {
      const lossA = optA.minimize(
        () => tf.losses.softmaxCrossEntropy(y, single.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
        varsA,
      )!;
      const a = (await lossA.data())[0];
      lossA.dispose();
      const b = await dp.step(optB, [x], y);
      assert.ok(Math.abs(a - b) < 1e-5, `step ${s}: loss ${a} (one engine) vs ${b} (data-parallel)`);
    }
  } finally {
    await dp.close();
  }
  const wa = single.getWeights();
  const wb = parallel.getWeights();
  wa.forEach((t, i) => {
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(t, wb[i]))).dataSync()[0]);
    assert.ok(d < 1e-5, `weight ${i} differs by ${d}`);
  });
  assert.deepEqual(parallel.getLayer('c0').getWeights()[0].dataSync(), frozenBefore);
});

test('a replica that cannot start fails with the reason', async () => {
  const m = build();
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  await assert.rejects(
    DataParallelStep.start(m, vars, 'logits', 1, path.join(__dirname, 'no-such-worker.js')),
    /no-such-worker|Cannot find module/,
  );
});
