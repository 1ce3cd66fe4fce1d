// The learning-rate chart's points and the phase-change markers (webview/phaseMarkers.ts),
// from metrics as the trainer writes them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lrTrack, phaseMarkers } from '../../webview/phaseMarkers';
import { appendEpochs, toColumns } from '../../src/shared/panel/series';
import type { EpochMetrics } from '../../src/shared/runFolder/contract';
import { seriesColumnsProblem } from '../../src/shared/panel/shapes';

function ep(n: number, more: Partial<EpochMetrics> = {}): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': 0.5,
    lr: 0.01,
    epoch_seconds: 10,
    images_per_second: 1,
    tensor_bytes: 1,
    rss_bytes: 1,
    time: new Date(Date.UTC(2026, 0, 1) + n * 10_000).toISOString(),
    ...more,
  };
}

test('per-step rates spread over their epoch, the last step at the epoch end; epochs without steps give lr', () => {
  const cols = toColumns([ep(1, { lr: 0.004, lr_steps: [0.001, 0.002, 0.003, 0.004] }), ep(2, { lr: 0.005 })]);
  assert.deepEqual(cols.lrSteps, [[0.001, 0.002, 0.003, 0.004], null]);
  const t = lrTrack(cols, 'epoch');
  assert.deepEqual(t.x, [0.25, 0.5, 0.75, 1, 2]);
  assert.deepEqual(t.y, [0.001, 0.002, 0.003, 0.004, 0.005]);
  // Relative time: the epoch's 10 seconds before its end (the run started 10 s before epoch 1 ended).
  const rel = lrTrack(cols, 'relative', new Date(Date.UTC(2026, 0, 1)).toISOString());
  assert.deepEqual(rel.x, [2.5, 5, 7.5, 10, 20]);
});

test('no recorded steps: one point per epoch, and no lrSteps column posted', () => {
  const cols = toColumns([ep(1, { lr: 0.01 }), ep(2, { lr: 0.001 })]);
  assert.equal(cols.lrSteps, undefined);
  assert.deepEqual(lrTrack(cols, 'epoch'), { x: [1, 2], y: [0.01, 0.001] });
});

test('steps first recorded by a later epoch (appended live) keep the columns aligned and valid', () => {
  const cols = toColumns([ep(1)]);
  appendEpochs(cols, [ep(2, { lr_steps: [0.1, 0.2] })]);
  assert.deepEqual(cols.lrSteps, [null, [0.1, 0.2]]);
  assert.equal(seriesColumnsProblem(cols), undefined);
  assert.match(seriesColumnsProblem({ ...cols, lrSteps: [[0.1]] }) ?? '', /lrSteps/);
});

test('a marker where the phase changes, at the end of the epoch before, labelled with the freezes run.json records', () => {
  const cols = toColumns([ep(1, { phase: 0 }), ep(2, { phase: 1 }), ep(3, { phase: 1 }), ep(4, { phase: 2 })]);
  const phases = [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 2, freeze: 4 },
    { startEpoch: 4, freeze: [0, 'model.1.bn'] },
  ];
  assert.deepEqual(phaseMarkers(cols, 'epoch', phases), [
    { x: 1, epoch: 2, phase: 1, label: 'freeze 8 → 4' },
    { x: 3, epoch: 4, phase: 2, label: 'freeze 4 → [0, model.1.bn]' },
  ]);
  // Without run.json's phases (an older record) the label names the phases.
  assert.equal(phaseMarkers(cols, 'epoch')[0].label, 'phase 1 → 2');
  // Wall time: the previous epoch's end, in seconds since 1970.
  assert.equal(phaseMarkers(cols, 'wall', phases)[0].x, Date.UTC(2026, 0, 1) / 1000 + 10);
});

test('no marker for a run without phases, one phase throughout, or epochs whose phase is unknown', () => {
  assert.deepEqual(phaseMarkers(toColumns([ep(1), ep(2)]), 'epoch'), []);
  assert.deepEqual(phaseMarkers(toColumns([ep(1, { phase: 0 }), ep(2, { phase: 0 })]), 'epoch'), []);
  assert.deepEqual(phaseMarkers(toColumns([ep(1, { phase: 0 }), ep(2), ep(3, { phase: 1 })]), 'epoch'), []);
});
