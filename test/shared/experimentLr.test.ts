// train.lr as a rate or a [min, max] range, train.lrMult per module, train.schedule, and the refusal of
// all of them (and of freeze schedules) on a `trainer: yolov5` experiment — each problem at its line
// and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { LR_SCHEDULE_DEFAULTS } from '../../src/shared/experiment/readLrSchedule';
import { parseModuleRange } from '../../src/shared/experiment/readLr';
import type { FileDiagnostic, TrainSettings } from '../../src/shared/experiment/types';
import { assertOneDiagnostic } from '../support/experimentDiagnostics';

const FILE = path.resolve('/work/exp/finetune.experiment.yaml');
const HEAD = 'model: model.yaml\ndata: {source: mnist, classes: [3, 5]}\ntrain:\n  epochs: 10\n';

function train(lines: string): TrainSettings {
  const { experiment, diagnostics } = parseExperiment(HEAD + lines, FILE);
  assert.deepEqual(diagnostics, []);
  return experiment!.train;
}

function one(lines: string, severity: FileDiagnostic['severity'], at: string, fragment: RegExp, head = HEAD): void {
  assertOneDiagnostic(FILE, head + lines, severity, at, fragment);
}

test('lr: a single rate as before; [min, max] fills lrRange with lr = max', () => {
  const plain = train('  lr: 0.01\n');
  assert.equal(plain.lr, 0.01);
  assert.equal(plain.lrRange, undefined);
  const range = train('  lr: [1e-5, 1e-3]\n');
  assert.equal(range.lr, 1e-3);
  assert.deepEqual(range.lrRange, { min: 1e-5, max: 1e-3 });
});

test('lr range mistakes', () => {
  one('  lr: [1e-5]\n', 'error', '[1e-5]', /train\.lr as a range must be \[min, max\].*got 1 value$/);
  one('  lr: [1e-5, 1e-3, 1]\n', 'error', '[1e-5', /got 3 values/);
  one('  lr: [1e-5, fast]\n', 'error', 'fast', /train\.lr\[1\] must be a positive learning rate below 10.*got 'fast'/);
  one('  lr: [0, 1e-3]\n', 'error', '0, 1e-3', /train\.lr\[0\] must be a positive learning rate/);
  one(
    '  lr: [1e-3, 1e-5]\n',
    'error',
    '[1e-3',
    /min below max.*for one rate write `lr: 0\.00001`|min below max.*for one rate write `lr: 1e-05`/,
  );
  one('  lr: high\n', 'error', 'high', /train\.lr must be a positive learning rate below 10, e\.g\. `lr: 0\.001`, or `lr: \[1e-5, 1e-3\]`/);
});

test('lrMult: indices, ranges and open ranges, in file order; nested entries allowed', () => {
  const t = train("  lrMult: { '0-5': 0.1, '6-': 1, 3: 0.5 }\n");
  assert.deepEqual(t.lrMult, [
    { from: 0, to: 5, mult: 0.1 },
    { from: 6, mult: 1 },
    { from: 3, to: 3, mult: 0.5 },
  ]);
  const block = train('  lrMult:\n    0-3: 0.01\n    4 - 7: 0.1\n    8-: 2\n');
  assert.deepEqual(block.lrMult, [
    { from: 0, to: 3, mult: 0.01 },
    { from: 4, to: 7, mult: 0.1 },
    { from: 8, mult: 2 },
  ]);
  assert.deepEqual(parseModuleRange('7'), { from: 7, to: 7 });
  assert.deepEqual(parseModuleRange('2-'), { from: 2 });
  assert.equal(parseModuleRange('5-2'), undefined);
  assert.equal(parseModuleRange('-2'), undefined);
  assert.equal(parseModuleRange('head'), undefined);
});

test('lrMult mistakes: bad keys, bad multipliers, overlaps, and a range beside it', () => {
  one(
    '  lrMult: { head: 0.1 }\n',
    'error',
    'head',
    /train\.lrMult key 'head' must be a module index \(`3`\), a range \(`'0-5'`\) or an open range/,
  );
  one("  lrMult: { '5-2': 0.1 }\n", 'error', "'5-2'", /key '5-2' must be/);
  one("  lrMult: { '0-5': 0 }\n", 'error', '0 }', /train\.lrMult\['0-5'\] must be a multiplier of lr above 0.*got 0/);
  one("  lrMult: { '0-5': -1 }\n", 'error', '-1', /above 0.*got -1/);
  one("  lrMult: { '0-5': x }\n", 'error', 'x }', /above 0.*got 'x'/);
  one("  lrMult: { '0-5': 0.1, '4-8': 1 }\n", 'error', "'4-8'", /'4-8' partly overlaps '0-5'.*apart or one lies inside the other/);
  one("  lrMult: { '0-5': 0.1, '3-': 1 }\n", 'error', "'3-'", /'3-' partly overlaps '0-5'/);
  one("  lrMult: { 3: 0.1, '3-3': 1 }\n", 'error', "'3-3'", /'3-3' repeats '3'/);
  one('  lrMult: 0.1\n', 'error', '0.1', /train\.lrMult must be a mapping from modules to multipliers/);
  one(
    "  lr: [1e-5, 1e-3]\n  lrMult: { '0-5': 0.1 }\n",
    'error',
    'lrMult',
    /train\.lrMult and a learning-rate range `lr: \[min, max\]` both set per-module rates: keep one/,
  );
});

test('schedule: plain names with defaults, mappings with settings; constant is the absent default', () => {
  assert.equal(train('  schedule: constant\n').schedule, undefined);
  assert.equal(train('  schedule: { constant: }\n').schedule, undefined);
  assert.deepEqual(train('  schedule: cosine\n').schedule, { kind: 'cosine', ...LR_SCHEDULE_DEFAULTS.cosine });
  assert.deepEqual(train('  schedule: onecycle\n').schedule, { kind: 'onecycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 });
  assert.deepEqual(train('  schedule: { step: { every: 3, gamma: 0.5 } }\n').schedule, { kind: 'step', every: 3, gamma: 0.5 });
  assert.deepEqual(train('  schedule: { step: { every: 3 } }\n').schedule, { kind: 'step', every: 3, gamma: 0.1 });
  assert.deepEqual(train('  schedule:\n    cosine:\n      warmup: 1\n      min: 0.01\n').schedule, {
    kind: 'cosine',
    warmup: 1,
    min: 0.01,
  });
  assert.deepEqual(train('  schedule: { onecycle: { pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4 } }\n').schedule, {
    kind: 'onecycle',
    pctStart: 0.25,
    divFactor: 25,
    finalDivFactor: 1e4,
  });
});

test('schedule mistakes, each at its line and column', () => {
  one(
    '  schedule: linear\n',
    'error',
    'linear',
    /train\.schedule must be one schedule, got 'linear'; write `schedule: constant`, `cosine`, `onecycle`/,
  );
  one('  schedule: step\n', 'error', 'step', /train\.schedule\.step needs `every:`, a whole number of epochs ≥ 1, e\.g\. `every: 3`/);
  one('  schedule: { cosin: {} }\n', 'error', 'cosin', /unknown key 'cosin' in train\.schedule; did you mean 'cosine'\?/);
  one('  schedule: { cosine: {}, step: {every: 2} }\n', 'error', '{ cosine', /got a mapping of several keys/);
  one('  schedule: { cosine: 3 }\n', 'error', '3 }', /train\.schedule\.cosine must be a mapping of its settings, got 3/);
  one('  schedule: { step: { every: 0 } }\n', 'error', '0 }', /train\.schedule\.step\.every must be a whole number of epochs ≥ 1.*got 0/);
  one('  schedule: { step: { every: 2, gamma: 1.5 } }\n', 'error', '1.5', /gamma must be the factor applied at each step, between 0 and 1/);
  one(
    '  schedule: { step: { every: 2, factor: 0.5 } }\n',
    'error',
    'factor',
    /unknown key 'factor' in train\.schedule\.step \(allowed: every, gamma\)/,
  );
  one('  schedule: { step: { every: 10 } }\n', 'warning', '10 }', /the rate never steps down: the run has 10 epochs/);
  one('  schedule: { cosine: { warmup: -1 } }\n', 'error', '-1', /warmup must be epochs of linear warm-up from 0, ≥ 0/);
  one('  schedule: { cosine: { warmup: 10 } }\n', 'error', '10 }', /the warm-up of 10 epochs leaves nothing of the 10-epoch run/);
  one(
    '  schedule: { cosine: { min: 1 } }\n',
    'error',
    '1 }',
    /train\.schedule\.cosine\.min must be the final rate as a fraction of lr, from 0 to below 1/,
  );
  one(
    '  schedule: { onecycle: { pctStart: 1 } }\n',
    'error',
    '1 }',
    /pctStart must be the fraction of the steps spent rising, between 0 and 1/,
  );
  one('  schedule: { onecycle: { divFactor: 0.5 } }\n', 'error', '0.5', /divFactor must be at least 1/);
  one('  schedule: { onecycle: { finalDivFactor: 0 } }\n', 'error', '0 }', /finalDivFactor must be at least 1/);
  one('  schedule: { constant: { lr: 1 } }\n', 'error', 'lr: 1', /unknown key 'lr' in train\.schedule\.constant/);
});

const YOLO = ['trainer: yolov5', 'model: ../yolov5/models/yolov5s.yaml', 'yolov5: { folder: ../yolov5, weights: yolov5s.pt }', ''].join(
  '\n',
);

test('a trainer: yolov5 experiment refuses freeze schedules, lr ranges, lrMult and schedules at their line', () => {
  assert.deepEqual(parseExperiment(`${YOLO}freeze: 10\n`, FILE).diagnostics, []);
  one(
    'freeze: { schedule: [ {epochs: 2, freeze: 10}, {freeze: 0} ] }\n',
    'error',
    '{ schedule',
    /one set of modules for the whole run \(--freeze\).*write one value, e\.g\. `freeze: 10`/,
    YOLO,
  );
  one('freeze: { gradual: { from: 10 } }\n', 'error', '{ gradual', /a freeze schedule cannot run with `trainer: yolov5`/, YOLO);
  one(
    'train:\n  lr: [1e-5, 1e-3]\n',
    'error',
    '[1e-5',
    /one learning rate \(lr0 in its hyp YAML\).*set lr0 in the YAML `yolov5\.hyp` names/,
    YOLO,
  );
  one("train:\n  lrMult: { '0-5': 0.1 }\n", 'error', 'lrMult', /train\.lrMult cannot run with `trainer: yolov5`: remove it/, YOLO);
  one('train:\n  schedule: cosine\n', 'error', 'schedule', /its own learning-rate schedule.*--cos-lr/, YOLO);
});
