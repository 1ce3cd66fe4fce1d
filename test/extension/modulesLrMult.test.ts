// The Modules view's learning-rate multipliers (lrText.ts through treeRows) on the digits example's
// model, and what "Set Learning-Rate Multiplier…" accepts (lrMultInput.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { treeRows } from '../../src/extension/modules/treeRows';
import { laterFreezes } from '../../src/extension/modules/lrText';
import { parseMultInput } from '../../src/extension/modules/lrMultInput';
import { parseYoloModel } from '../../src/shared/model/yolo';
import type { ModelSummary } from '../../src/shared/model/types';
import type { TrainSettings } from '../../src/shared/experiment/types';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function digits(): ModelSummary {
  const file = path.join(ROOT, 'examples', 'digits', 'model.yaml');
  return parseYoloModel(readFileSync(file, 'utf8'), file, { imgsz: 28, nc: 5 }).summary!;
}

const TRAIN: TrainSettings = { epochs: 8, batch: 16, optimizer: 'adam', lr: 0.005, seed: 0, imgsz: 28 };

test('one rate for every module: descriptions unchanged', () => {
  const m = digits();
  assert.deepEqual(
    treeRows(m, 0, TRAIN).map((r) => r.description),
    treeRows(m, 0).map((r) => r.description),
  );
  assert.ok(treeRows(m, 0, TRAIN).every((r) => !/lr ×/.test(r.description + r.tooltip)));
});

test('lrMult: each module with parameters ends its description with its multiplier; the tooltip gives the rate', () => {
  const rows = treeRows(digits(), 0, {
    ...TRAIN,
    lrMult: [
      { from: 0, to: 5, mult: 0.1 },
      { from: 2, to: 2, mult: 0.5 },
    ],
  });
  assert.match(rows[0].description, / · lr ×0\.1$/);
  assert.match(rows[2].description, / · lr ×0\.5$/, 'the narrowest entry wins');
  assert.match(rows[8].description, / · lr ×1$/);
  assert.ok(!/lr/.test(rows[1].description), 'MaxPool has no parameters, no rate');
  assert.match(rows[0].tooltip, /\nLearning rate ×0\.1 of lr 0\.005 = 0\.0005 \(train\.lrMult\)$/);
});

test('frozen modules say what they would train at; with a schedule, the rate of the phase that unfreezes them', () => {
  const lrRange = { min: 0.00005, max: 0.005 };
  // Plain freeze 6: modules 0–5 never train.
  const plain = treeRows(digits(), 6, { ...TRAIN, lrRange });
  assert.match(plain[0].description, /lr ×[\d.]+ if unfrozen$/);
  assert.match(plain[8].description, /lr ×1$/, 'the head: the top of the range');
  assert.match(plain[7].description, /lr ×0\.01$/, 'the first trainable module: min/max = 1/100');
  // fine_tune: freeze 6, then everything: module 0 gets the bottom of the range once unfrozen.
  const schedule = {
    kind: 'schedule' as const,
    phases: [
      { epochs: 1, freeze: 6 },
      { epochs: 7, freeze: 0 },
    ],
  };
  const ft = treeRows(digits(), 6, { ...TRAIN, lrRange }, schedule);
  assert.match(ft[0].description, /lr ×0\.01 when unfrozen$/);
  assert.match(ft[0].tooltip, /once the schedule unfreezes it \(lr: \[0\.00005, 0\.005\] spread over the trainable modules\)$/);
  assert.match(ft[8].description, /lr ×1$/);
});

test('a gradual schedule unfreezes one module count at a time, either way', () => {
  assert.deepEqual(laterFreezes({ kind: 'gradual', from: 8, to: 5, every: 1 }), [7, 6, 5]);
  assert.deepEqual(laterFreezes({ kind: 'gradual', from: 2, to: 4, every: 2 }), [3, 4]);
  assert.deepEqual(laterFreezes(undefined), []);
});

test('the multiplier typed: a number above 0 (× allowed), or empty to remove; anything else says why', () => {
  assert.deepEqual(parseMultInput(' 0.1 '), { mult: 0.1 });
  assert.deepEqual(parseMultInput('×2'), { mult: 2 });
  assert.deepEqual(parseMultInput('1e-2'), { mult: 0.01 });
  assert.deepEqual(parseMultInput('.5'), { mult: 0.5 });
  assert.deepEqual(parseMultInput(''), { mult: undefined });
  for (const bad of ['0', '-1', 'abc', '0x10', 'Infinity', '1/10', '0.1.2']) assert.ok('error' in parseMultInput(bad), `${bad} is refused`);
  assert.match((parseMultInput('0') as { error: string }).error, /above 0/);
});
