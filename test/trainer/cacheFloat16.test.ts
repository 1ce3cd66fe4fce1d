// Float16 is used only where it does not change accuracy: the digits example's head (freeze 6: the
// backbone's outputs cached) trained on float16 cached features read back from a spilled cache file
// reaches the same validation accuracy as on float32 features, within TOLERANCE.
//
// Why the tolerance: float16 keeps 11 significant bits, so every cached value moves by at most 2^-11
// of itself (checked below), far below the features' spread; what can differ is the few validation
// digits whose two best scores are nearly tied, which such a nudge (and the different optimizer
// trajectory it starts) may flip. One percentage point is ~10 of 1,000 validation digits: a real
// loss of precision (e.g. 8-bit features) moves accuracy by more; equal accuracy is not required
// because which near-ties flip is arbitrary.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CacheFileWriter, verifyCacheFile } from '../../src/trainer/cache/cacheFile';
import { CacheFileSource } from '../../src/trainer/cache/cacheSource';
import { cacheLimits } from '../../src/trainer/cache/cacheDecision';
import { ArraySource, inOrder, memorySources } from '../../src/trainer/data/arraySource';
import { loadMnist } from '../../src/trainer/data/mnist';
import type { SampleSource } from '../../src/trainer/data/sampleSource';
import { activateEngine } from '../../src/trainer/engines';
import { prepareModel } from '../../src/trainer/model/prepareModel';
import { permutation, seededRandom } from '../../src/trainer/random';
import { batchTensors } from '../../src/trainer/train/featureSet';
import { buildHead, cacheFeatures, planCache } from '../../src/trainer/train/frozenCache';
import { evaluate, makeOptimizer, trainableVariables, trainStep } from '../../src/trainer/train/steps';

const TOLERANCE = 0.01;
const EPOCHS = 3;
const modelFile = path.resolve(__dirname, '../../../examples/digits/model.yaml');
const data = loadMnist({ source: 'mnist', classes: [0, 1, 2, 3, 4], limit: 600, valFraction: 0.2 }, 28, 0);

before(async () => {
  await activateEngine('wasm');
});

/** A fresh model (same seed: same head initialisation), its head trained on `sets`; the val accuracy. */
async function trainHead(
  sets: (prepared: Awaited<ReturnType<typeof prepareModel>>) => Promise<{ train: SampleSource; val: SampleSource }>,
): Promise<number> {
  const prepared = await prepareModel({ modelFile, imageShape: data.imageShape, classes: 5, seed: 1, freeze: 6 });
  const plan = planCache(prepared, data.train.count + data.val.count, false, cacheLimits());
  assert.ok(plan.used, plan.reason);
  const head = buildHead(prepared, plan, 5);
  const { train, val } = await sets(prepared);
  const opt = makeOptimizer('adam', 0.005);
  const vars = trainableVariables(head);
  for (let e = 0; e < EPOCHS; e++) {
    const order = permutation(train.count, seededRandom(e));
    for await (const b of train.batches(order, 16)) {
      const { inputs, labels } = batchTensors(b, train.shapes, 5);
      tf.dispose([trainStep(head, opt, vars, prepared.output, inputs, labels), labels, ...inputs]);
    }
  }
  return (await evaluate(head, prepared.output, val, 5, 64)).accuracy;
}

test('the digits head trained on float16 cached features reaches the float32 accuracy within one point', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-f16-'));
  try {
    let f32: { train: ArraySource; val: ArraySource } | undefined;
    const images = memorySources(data);
    const full = await trainHead(async (prepared) => {
      const plan = planCache(prepared, 0, false, cacheLimits());
      f32 = { train: await cacheFeatures(prepared, plan, images.train, 64), val: await cacheFeatures(prepared, plan, images.val, 64) };
      return f32;
    });
    const half = await trainHead(async () => ({ train: await spill(dir, 'train', f32!.train), val: await spill(dir, 'val', f32!.val) }));
    // The features themselves: within half a float16 unit of the float32 ones.
    const src = await spill(dir, 'check', f32!.val);
    const back = (await src.read(inOrder(f32!.val.count)))[0];
    await src.close();
    const ref = f32!.val.arrays[0];
    for (let i = 0; i < ref.length; i++)
      assert.ok(Math.abs(back[i] - ref[i]) <= Math.max(Math.abs(ref[i]) * 2 ** -11, 2 ** -25), `value ${i}`);
    assert.ok(full > 0.8, `the float32 head learned (${full})`);
    assert.ok(Math.abs(full - half) <= TOLERANCE, `float32 ${full.toFixed(4)} vs float16 ${half.toFixed(4)}`);
    console.log(`val accuracy: float32 ${full.toFixed(4)}, float16 ${half.toFixed(4)} (${data.val.count} digits)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `set` written to a float16 cache file and opened as the spilled cache is. */
async function spill(dir: string, name: string, set: ArraySource): Promise<CacheFileSource> {
  const file = path.join(dir, `${name}.bin`);
  const w = new CacheFileWriter(file, { dtype: 'f16', count: set.count, shapes: set.shapes });
  w.append(set.arrays, set.count);
  w.finish();
  const v = verifyCacheFile(file, { count: set.count, shapes: set.shapes });
  assert.ok(v.ok);
  return CacheFileSource.open(file, v.layout, set.labels);
}
