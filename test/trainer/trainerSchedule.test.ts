// A freeze schedule, per-module rates and an LR schedule through the built CLI (wasm): run.json
// records the phases, each epoch's metrics its freeze, phase and per-step rates; the frozen prefix is
// cached in the head-only phase and dropped when the backbone unfreezes; frozen weights stay put in
// phase 1 and move in phase 2; and a run stopped after phase 1 resumes in phase 2 exactly as the
// uninterrupted run trained it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { readNamedWeights } from '../../src/trainer/model/modelFiles';
import { prepareModel } from '../../src/trainer/model/prepareModel';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { probeTorch } from '../../src/trainer/torch/probeTorch';
import { MNIST_01, TINY_MODEL } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-schedule-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// TINY_MODEL: modules 0–3 the backbone (two conv blocks), 4–5 the head. 64 labels in batches of 16:
// 4 steps per epoch (61 train images after the 5% validation share).
const EXPERIMENT = `model: model.yaml
data: ${MNIST_01}
train:
  epochs: 4
  batch: 16
  optimizer: adam
  lr: 0.01
  lrMult: { '0-3': 0.1 }
  schedule: { onecycle: { pctStart: 0.25 } }
  seed: 3
  imgsz: 14
freeze: { schedule: [ {epochs: 2, freeze: 4}, {epochs: 2, freeze: 0} ] }
`;

writeFileSync(path.join(tmp, 'model.yaml'), TINY_MODEL);

function runDir(exp: string, name: string): string {
  return path.join(path.dirname(exp), 'runs', name);
}

function train(exp: string, args: string[], engine = 'wasm'): void {
  const r = runCli(['train', exp, '--json', ...args], { timeoutMs: 120_000, env: { TRANSFER_LAB_ENGINE: engine } });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
}

const metricsOf = (dir: string): EpochMetrics[] => readMetricsFile(path.join(dir, 'metrics.jsonl'));
const recordOf = (dir: string): RunRecord => JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;

/** One weight of a checkpoint (`model__0__conv/kernel`), as numbers. */
function weight(dir: string, which: 'last' | 'best', name: string): number[] {
  const { weights } = readNamedWeights(path.join(dir, 'weights', which, 'model.json'));
  const out = Array.from(weights[name].dataSync());
  tf.dispose(Object.values(weights));
  return out;
}

test('a fine_tune-style schedule: phases in run.json, freeze/phase/lr_steps per epoch, cache only in phase 1', () => {
  const exp = path.join(tmp, 'full.experiment.yaml');
  writeFileSync(exp, EXPERIMENT);
  train(exp, ['--name', 'full']);
  const dir = runDir(exp, 'full');
  const rec = recordOf(dir);
  assert.equal(rec.status, 'finished');
  assert.deepEqual(rec.freeze, 4, 'the first phase is the freeze the run is filed under');
  assert.deepEqual(rec.phases, [
    { startEpoch: 1, freeze: 4 },
    { startEpoch: 3, freeze: 0 },
  ]);
  const m = metricsOf(dir);
  assert.deepEqual(
    m.map((e) => [e.epoch, e.freeze, e.phase]),
    [
      [1, 4, 0],
      [2, 4, 0],
      [3, 0, 1],
      [4, 0, 1],
    ],
  );
  // One-cycle over the run's 16 steps: up to lr at step 4 (pctStart 0.25), down to lr/25e4 at the last.
  const steps = m.flatMap((e) => e.lr_steps ?? []);
  assert.equal(steps.length, 16);
  assert.ok(Math.abs(steps[0] - 0.01 / 25) < 1e-12 && Math.abs(steps[3] - 0.01) < 1e-12, String(steps));
  assert.ok(Math.abs(steps[15] - 0.01 / 25e4) < 1e-12, String(steps[15]));
  m.forEach((e) => assert.equal(e.lr, e.lr_steps![e.lr_steps!.length - 1]));
  const log = readFileSync(path.join(dir, 'train.log'), 'utf8');
  assert.match(log, /frozen-prefix cache: used/);
  assert.match(log, /phase 2 of 2 \(epoch 3\): freeze 0, [\d,]+ of [\d,]+ parameters trainable; frozen-prefix cache not used/);
  assert.match(log, /phase 1 of 2 \(epoch 1\): learning-rate multipliers by module 5 ×1\n/);
  assert.match(log, /phase 2 of 2 \(epoch 3\): learning-rate multipliers by module 0, 2 ×0\.1 · 5 ×1\n/);
});

for (const engine of ['wasm', 'torch']) {
  test(`${engine}: resume in phase 2: stopped after phase 1, the backbone was untouched; resumed, it trains as the uninterrupted run did`, async (t) => {
    if (engine === 'torch') {
      const torch = await probeTorch();
      if (!torch.available) return t.skip(torch.reason);
    }
    // A constant rate: `--epochs 2` then `--epochs 4` would stretch a schedule over the new length.
    const constant = EXPERIMENT.replace(/ {2}schedule: .*\n/, '');
    const exp = path.join(tmp, `resume-${engine}.experiment.yaml`);
    writeFileSync(exp, constant);
    const full = path.join(tmp, `uninterrupted-${engine}.experiment.yaml`);
    writeFileSync(full, constant);
    train(full, ['--name', `uninterrupted-${engine}`], engine);
    const fullDir = runDir(full, `uninterrupted-${engine}`);

    // The first two epochs only (phase 1), as a run stopped at the phase change.
    train(exp, ['--name', `resumed-${engine}`, '--epochs', '2'], engine);
    const dir = runDir(exp, `resumed-${engine}`);
    assert.equal(recordOf(dir).epochsDone, 2);
    const convAfter1 = weight(dir, 'last', 'model__0__conv/kernel');
    // The model the run started from (built from the same seed): phase 1 left the backbone as it was.
    const initial = await prepareModel({
      modelFile: path.join(tmp, 'model.yaml'),
      imageShape: [14, 14, 1],
      classes: 2,
      seed: 3,
      freeze: 0,
    });
    assert.deepEqual(
      convAfter1,
      Array.from(initial.tfLayer('model.0.conv')!.getWeights()[0].dataSync()),
      'phase 1 trained the frozen backbone',
    );
    const headAfter1 = weight(dir, 'last', 'model__5/kernel');
    train(exp, ['--name', `resumed-${engine}`, '--resume', '--epochs', '4'], engine);
    assert.equal(recordOf(dir).status, 'finished');
    assert.deepEqual(recordOf(dir).phases, recordOf(fullDir).phases);
    const resumed = metricsOf(dir);
    const uninterrupted = metricsOf(fullDir);
    assert.deepEqual(
      resumed.map((e) => [e.epoch, e.freeze, e.phase]),
      uninterrupted.map((e) => [e.epoch, e.freeze, e.phase]),
    );
    // Same phases, same optimizer state carried over the phase change: the same training, to float precision.
    resumed.forEach((e, i) => {
      assert.ok(
        Math.abs(e['val/loss'] - uninterrupted[i]['val/loss']) < 1e-5,
        `epoch ${e.epoch}: ${e['val/loss']} vs ${uninterrupted[i]['val/loss']}`,
      );
    });
    // Phase 1 trained the head only: the backbone is as the uninterrupted run had it after epoch 2 — and in phase 2 it moved.
    const convEnd = weight(dir, 'last', 'model__0__conv/kernel');
    assert.notDeepEqual(convEnd, convAfter1, 'the backbone did not train in phase 2');
    assert.notDeepEqual(weight(dir, 'last', 'model__5/kernel'), headAfter1);
    assert.deepEqual(convEnd, weight(fullDir, 'last', 'model__0__conv/kernel'));
  });
}
