// The torch engine against the tfjs engines on the same model: every YOLOv5 block the trainer builds
// gives the same outputs from the same weights (layouts converted tfjs → torch), the same parameter
// counts and trainable set, and weights trained in torch come back (torch → tfjs) to give the same
// outputs in tfjs. Needs a Python with PyTorch >= 1.13 (Debian's python3-torch); skipped without.
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
import { randomSet } from '../support/featureSets';
import { TINY_MODEL } from '../support/trainerFixtures';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

// Every block type, stride-2 convolutions (TF 'same' pads after), explicit padding, pools, concat.
const ALL_BLOCKS = `nc: 4
depth_multiple: 0.33
width_multiple: 0.25
backbone:
  - [-1, 1, Conv, [64, 6, 2, 2]]
  - [-1, 1, Conv, [128, 3, 2]]
  - [-1, 3, C3, [128]]
  - [-1, 1, Conv, [256, 3, 2]]
  - [-1, 1, SPPF, [256, 5]]
  - [-1, 1, Conv, [128, 1, 1]]
  - [-1, 1, nn.Upsample, [None, 2, 'nearest']]
  - [[-1, 2], 1, Concat, [1]]
  - [-1, 1, C3x, [128, False]]
  - [-1, 1, GhostConv, [64, 3, 1]]
  - [-1, 1, DWConv, [64, 3, 2]]
  - [-1, 1, C3Ghost, [64]]
  - [-1, 1, BottleneckCSP, [64]]
  - [-1, 1, SPP, [64, [3, 5]]]
  - [-1, 1, GhostBottleneck, [64, 3, 2]]
  - [-1, 1, BatchNorm, []]
  - [-1, 1, AvgPool, [3, 2, 1]]
  - [-1, 1, MaxPool, [3, 2, 1]]
head:
  - [-1, 1, Dropout, [0.1]]
  - [-1, 1, Classify, [nc]]
`;

let torch: TorchProbe;
before(async () => {
  await activateEngine('cpu');
  torch = await probeTorch();
});

/** BN running statistics away from 0/1, so inference-mode batch norm is really exercised. */
function randomiseBatchNorm(p: PreparedModel): void {
  let seed = 10;
  for (const l of p.model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    l.setWeights(
      l
        .getWeights()
        .map((w, i) =>
          i < 2
            ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed++)
            : i === 2
              ? tf.randomNormal(w.shape, 0, 0.2, 'float32', seed++)
              : tf.randomUniform(w.shape, 0.5, 2, 'float32', seed++),
        ),
    );
  }
}

function tfjsOutputs(p: PreparedModel, set: FeatureSet): Float32Array {
  return tf.tidy(
    () =>
      (p.model.apply(tf.tensor(set.arrays[0], [set.count, ...set.shapes[0]]), { training: false }) as tf.Tensor).dataSync() as Float32Array,
  );
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const scale = Math.max(1, ...Array.from(a, Math.abs));
  const worst = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
  assert.ok(worst <= 2e-4 * scale, `${what}: largest difference ${worst} (outputs up to ${scale})`);
}

async function parity(
  yaml: string,
  shape: [number, number, number],
  classes: number,
  freeze: Parameters<typeof prepareModel>[0]['freeze'],
): Promise<void> {
  const modelFile = path.join(tmp, `m${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(modelFile, yaml);
  const p = await prepareModel({ modelFile, imageShape: shape, classes, seed: 5, freeze });
  randomiseBatchNorm(p);
  const train = randomSet(8, shape, classes, 1);
  const val = randomSet(6, shape, classes, 2);
  const t = await TorchSteps.start({
    python: torch.python!,
    device: 'cpu',
    prepared: p,
    train,
    val,
    optimizer: 'adam',
    lr: 0.01,
    seed: 1,
    log: () => undefined,
  });
  try {
    assert.deepEqual(
      [t.totalParams, t.trainableParams],
      [p.freeze.totalParams, p.freeze.trainableParams],
      'parameter counts (total, trainable)',
    );
    assert.equal(t.totalParams, p.summary.totalParams, "the summary's count (torchLayers) too");
    assertClose(tfjsOutputs(p, val), await t.steps.outputs('val'), 'outputs from the same weights (tfjs → torch)');

    const before = p.model.layers.flatMap((l) =>
      l.getWeights().map((w) => ({ name: `${l.name}/${w.shape}`, data: w.dataSync().slice(), trainable: l.trainable })),
    );
    await t.steps.epoch(
      [0, 1, 2, 3, 4, 5, 6, 7],
      4,
      async () => undefined,
      () => false,
    );
    await t.steps.weightFiles({ classes: [], epoch: 1, output: 'logits' }, true); // torch → tfjs model
    assertClose(tfjsOutputs(p, val), await t.steps.outputs('val'), 'outputs after training in torch, weights brought back to tfjs');
    const afterW = p.model.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync()));
    // Frozen layers kept every weight bit for bit (BN running statistics included); trainable ones moved.
    before.forEach((w, i) => {
      const same = w.data.every((v, k) => v === afterW[i][k]);
      if (!w.trainable) assert.ok(same, `frozen ${w.name} changed`);
    });
    assert.ok(
      before.some((w, i) => w.trainable && !w.data.every((v, k) => v === afterW[i][k])),
      'no trainable weight changed',
    );
  } finally {
    t.steps.dispose();
  }
}

test('every YOLOv5 block: same outputs, counts and trainable set on torch; weights back and forth', { skip: false }, async (t) => {
  if (!torch.available) return t.skip(torch.reason);
  await parity(ALL_BLOCKS, [32, 32, 3], 4, [0, 1, 'model.2.m.0']);
});

test('Flatten + Dense keep the tfjs weight layout (channels-last flatten order)', async (t) => {
  if (!torch.available) return t.skip(torch.reason);
  await parity(TINY_MODEL, [14, 14, 1], 2, 2);
});
