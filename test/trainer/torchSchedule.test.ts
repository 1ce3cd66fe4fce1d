// The engines agree on a fine-tuning schedule: the digits model with a freeze schedule (head first,
// then everything), per-module rates and one-cycle, trained on wasm and on torch from the same
// initial weights, gives the same freeze, phase and per-step rates each epoch and accuracies within
// 5 points. Short (3 epochs, 150 labels) to keep the test quick. Needs PyTorch >= 1.13; skipped without.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { readMetricsFile } from '../../src/trainer/run/metricsFile';
import { probeTorch } from '../../src/trainer/torch/probeTorch';
import { ROOT, runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-torchschedule-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const FINETUNE = `name: finetune
model: model.yaml
data: { source: mnist, classes: [5, 6, 7, 8, 9], limit: 150 }
train:
  epochs: 3
  batch: 16
  optimizer: adam
  lr: 0.005
  lrMult: { '0-5': 0.1 }
  schedule: onecycle
  seed: 0
  imgsz: 28
freeze: { schedule: [ {epochs: 1, freeze: 6}, {epochs: 2, freeze: 0} ] }
`;

test('digits fine-tune schedule: wasm and torch agree on phases and rates, accuracies within 5 points', async (t) => {
  const torch = await probeTorch();
  if (!torch.available) return t.skip(torch.reason);
  const dir = path.join(tmp, 'digits');
  mkdirSync(dir);
  copyFileSync(path.join(ROOT, 'examples', 'digits', 'model.yaml'), path.join(dir, 'model.yaml'));
  writeFileSync(path.join(dir, 'finetune.experiment.yaml'), FINETUNE);
  const metrics: Record<string, EpochMetrics[]> = {};
  for (const engine of ['wasm', 'torch']) {
    const r = runCli(['train', 'finetune.experiment.yaml', '--json', '--name', engine, '--engine', engine], {
      cwd: dir,
      env: { TRANSFER_LAB_ENGINE: '' },
      timeoutMs: 300_000,
    });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1500));
    const run = path.join(dir, 'runs', engine);
    const rec = JSON.parse(readFileSync(path.join(run, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(rec.engine, engine);
    assert.deepEqual(rec.phases, [
      { startEpoch: 1, freeze: 6 },
      { startEpoch: 2, freeze: 0 },
    ]);
    metrics[engine] = readMetricsFile(path.join(run, 'metrics.jsonl'));
  }
  const shape = (m: EpochMetrics[]): unknown[] => m.map((e) => [e.epoch, e.freeze, e.phase, e.lr_steps?.length]);
  assert.deepEqual(shape(metrics.torch), shape(metrics.wasm));
  assert.deepEqual(shape(metrics.wasm), [
    [1, 6, 0, 10],
    [2, 0, 1, 10],
    [3, 0, 1, 10],
  ]);
  metrics.wasm.forEach((w, i) => {
    const tm = metrics.torch[i];
    assert.deepEqual(tm.lr_steps, w.lr_steps, `epoch ${w.epoch}: the same rates`);
    assert.ok(
      Math.abs(tm['val/accuracy'] - w['val/accuracy']) <= 0.05,
      `epoch ${w.epoch}: torch ${tm['val/accuracy']}, wasm ${w['val/accuracy']}`,
    );
  });
  // It learned: five digits from scratch, well above chance (0.2) by the end.
  assert.ok(metrics.wasm[2]['val/accuracy'] > 0.4, String(metrics.wasm[2]['val/accuracy']));
});
