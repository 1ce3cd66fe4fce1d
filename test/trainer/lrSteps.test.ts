// Each step engine really trains with the learning rate it is given per batch (`lrs` of
// StepEngine.epoch), checked through SGD's updates, not by reading config: batches at rate 0 leave
// every trainable weight as it was, a batch at rate 2a moves each weight exactly twice as far as the
// same batch at rate a, and the base rate is not used when `lrs` is given. The same checks on the
// in-process tfjs engine (wasm) and the torch worker (skipped without PyTorch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { activateEngine } from '../../src/trainer/engines';
import { prepareModel, PreparedModel } from '../../src/trainer/model/prepareModel';
import { probeTorch, TorchProbe } from '../../src/trainer/torch/probeTorch';
import { TorchSteps } from '../../src/trainer/torch/torchSteps';
import type { FeatureSet } from '../../src/trainer/train/featureSet';
import type { StepEngine } from '../../src/trainer/train/stepEngine';
import { TfjsSteps } from '../../src/trainer/train/tfjsSteps';
import { TensorPeak } from '../../src/trainer/system/tensorPeak';
import { TINY_MODEL } from '../support/trainerFixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-lrsteps-'));
const modelFile = path.join(tmp, 'model.yaml');
let torch: TorchProbe;
const peak = new TensorPeak();
before(async () => {
  writeFileSync(modelFile, TINY_MODEL);
  await activateEngine('wasm');
  torch = await probeTorch();
});
after(() => {
  peak.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

export function randomSet(n: number, shape: number[], classes: number, seed: number): FeatureSet {
  const x = tf.randomUniform([n, ...shape], 0, 1, 'float32', seed);
  const arrays = [x.dataSync() as Float32Array];
  x.dispose();
  return { arrays, shapes: [shape], labels: Int32Array.from({ length: n }, (_, i) => i % classes), count: n };
}

type Engine = 'tfjs' | 'torch';

/** A fresh model (same seed, same weights each time) and a step engine training it with SGD at base rate 0.5. */
async function makeSteps(engine: Engine): Promise<{ p: PreparedModel; steps: StepEngine }> {
  const p = await prepareModel({ modelFile, imageShape: [14, 14, 1], classes: 2, seed: 5, freeze: 0 });
  const train = randomSet(12, [14, 14, 1], 2, 1);
  const val = randomSet(4, [14, 14, 1], 2, 2);
  if (engine === 'tfjs') return { p, steps: new TfjsSteps(p, train, val, 2, 'sgd', 0.5, peak, () => undefined) };
  const t = await TorchSteps.start({
    python: torch.python!,
    device: 'cpu',
    prepared: p,
    train,
    val,
    optimizer: 'sgd',
    lr: 0.5,
    seed: 1,
    log: () => undefined,
  });
  return { p, steps: t.steps };
}

/** The trainable weights after the engine's steps, flattened (torch: brought back into the tfjs model first). */
async function trainableWeights(p: PreparedModel, steps: StepEngine): Promise<Float32Array[]> {
  await steps.weightFiles({ classes: [], epoch: 1, output: 'logits' }, false);
  return p.model.trainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
}

/** Trains one epoch of 3 batches of 4 in a fixed order with the given per-batch rates; returns weights before and after. */
async function epochWith(engine: Engine, lrs: number[] | undefined): Promise<{ before: Float32Array[]; after: Float32Array[] }> {
  const { p, steps } = await makeSteps(engine);
  try {
    const before = await trainableWeights(p, steps);
    const order = [3, 7, 1, 10, 0, 5, 2, 9, 4, 8, 6, 11];
    await steps.epoch(
      order,
      4,
      async () => undefined,
      () => false,
      lrs,
    );
    return { before, after: await trainableWeights(p, steps) };
  } finally {
    steps.dispose();
  }
}

const deltas = (r: { before: Float32Array[]; after: Float32Array[] }): Float32Array[] =>
  r.before.map((b, i) => Float32Array.from(b, (v, k) => r.after[i][k] - v));

for (const engine of ['tfjs', 'torch'] as const) {
  test(`${engine}: the per-batch rates are the rates SGD steps with`, async (t) => {
    if (engine === 'torch' && !torch.available) return t.skip(torch.reason);
    const still = await epochWith(engine, [0, 0, 0]);
    still.before.forEach((b, i) =>
      assert.deepEqual(Array.from(still.after[i]), Array.from(b), `weight ${i} moved at rate 0 (base rate 0.5)`),
    );
    const a = deltas(await epochWith(engine, [0, 0, 0.05]));
    const twice = deltas(await epochWith(engine, [0, 0, 0.1]));
    let moved = 0;
    a.forEach((d, i) =>
      d.forEach((v, k) => {
        if (Math.abs(v) > 1e-6) moved++;
        assert.ok(Math.abs(twice[i][k] - 2 * v) <= 1e-5 * Math.max(1, Math.abs(v)) + 1e-6, `weight ${i}[${k}]: ${twice[i][k]} vs 2 × ${v}`);
      }),
    );
    assert.ok(moved > 10, `only ${moved} weights moved in the last batch`);
    // Without lrs the base rate (0.5) applies: the weights move.
    const base = deltas(await epochWith(engine, undefined));
    assert.ok(
      base.some((d) => d.some((v) => Math.abs(v) > 1e-4)),
      'the base rate trained nothing',
    );
  });
}
