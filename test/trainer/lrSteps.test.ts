// Each step engine really trains with the learning rate it is given per batch (`lrs` of
// StepEngine.epoch) and with each module's multiplier (StepEngine.setPhase), checked through the
// optimizer's updates, not by reading config: batches at rate 0 leave every trainable weight as it
// was, a batch at rate 2a moves each weight exactly twice as far as at rate a, the base rate is not
// used when `lrs` is given, and a module at multiplier m moves m times as far as at 1 (SGD and Adam's
// first step are linear in the rate). The same checks on the in-process tfjs engine (wasm) and the
// torch worker (skipped without PyTorch).
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
type Kind = 'sgd' | 'adam';

/** A fresh model (same seed, same weights each time) and a step engine training it at base rate 0.5. */
async function makeSteps(engine: Engine, kind: Kind): Promise<{ p: PreparedModel; steps: StepEngine }> {
  const p = await prepareModel({ modelFile, imageShape: [14, 14, 1], classes: 2, seed: 5, freeze: 0 });
  const train = randomSet(12, [14, 14, 1], 2, 1);
  const val = randomSet(4, [14, 14, 1], 2, 2);
  if (engine === 'tfjs') return { p, steps: new TfjsSteps(p, train, val, 2, kind, 0.5, peak, () => undefined) };
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

const ORDER = [3, 7, 1, 10, 0, 5, 2, 9, 4, 8, 6, 11];

/** Trains one epoch in batches of 4 with the given per-batch rates (and module multipliers); returns weights before and after. */
async function epochWith(
  engine: Engine,
  lrs: number[] | undefined,
  o: { kind?: Kind; order?: number[]; moduleMults?: number[] } = {},
): Promise<{ before: Float32Array[]; after: Float32Array[] }> {
  const { p, steps } = await makeSteps(engine, o.kind ?? 'sgd');
  try {
    const before = await trainableWeights(p, steps);
    const order = o.order ?? ORDER;
    if (o.moduleMults)
      await steps.setPhase({
        freeze: 0,
        frozenSoFar: [0],
        moduleMults: o.moduleMults,
        plan: { used: false, reason: 'test' },
        cacheBatch: 4,
      });
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

/** TINY_MODEL's module of each trainable weight, in the model's order (`model__5__dense/kernel` → 5). */
async function weightModules(): Promise<number[]> {
  const p = await prepareModel({ modelFile, imageShape: [14, 14, 1], classes: 2, seed: 5, freeze: 0 });
  return p.model.trainableWeights.map((w) => Number(/^model__(\d+)/.exec(w.originalName)![1]));
}

for (const engine of ['tfjs', 'torch'] as const)
  for (const kind of ['sgd', 'adam'] as const) {
    test(`${engine} ${kind}: each module's weights move by its multiplier × the rate`, async (t) => {
      if (engine === 'torch' && !torch.available) return t.skip(torch.reason);
      const modules = await weightModules();
      const mults = [0.1, 1, 1, 1, 1, 3]; // conv 0 (conv + bn) slower, conv 2 as is, the dense head faster
      const one = { kind, order: [3, 7, 1, 10] };
      const base = deltas(await epochWith(engine, [0.01], one));
      const scaled = deltas(await epochWith(engine, [0.01], { ...one, moduleMults: mults }));
      assert.deepEqual([...new Set(modules)], [0, 2, 5], 'TINY_MODEL trains modules 0, 2 and 5');
      base.forEach((d, i) => {
        const m = mults[modules[i]];
        d.forEach((v, k) =>
          assert.ok(
            Math.abs(scaled[i][k] - m * v) <= 1e-4 * Math.abs(m * v) + 1e-7,
            `module ${modules[i]} weight ${i}[${k}]: ${scaled[i][k]} vs ${m} × ${v}`,
          ),
        );
        assert.ok(
          d.some((v) => Math.abs(v) > 1e-5),
          `weight ${i} did not move`,
        );
      });
    });
  }
