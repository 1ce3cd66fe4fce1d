// "Set Learning-Rate Multiplier" for one module: a minimal edit of train.lrMult that keeps comments
// and formatting, and leaves the file parsing to the multiplier asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit } from '../../src/shared/experiment/freezeEdit';
import { rewriteLrMult } from '../../src/extension/modules/lrMultEdit';
import { moduleLrMultipliers } from '../../src/shared/experiment/lrMultipliers';
import { parseExperiment } from '../../src/shared/experiment/parse';

const HEAD = 'model: m.yaml # arch\ndata: {source: mnist, classes: [0, 1]}\n';

function set(text: string, index: number, mult: number | undefined): string {
  return applyEdit(text, rewriteLrMult(text, index, mult));
}

/** The multipliers the edited file gives modules 0…n-1 (all trainable). */
function mults(text: string, n: number): number[] {
  const { experiment, diagnostics } = parseExperiment(text, '/w/e.experiment.yaml');
  assert.deepEqual(diagnostics, [], text);
  return moduleLrMultipliers(experiment!.train, n, () => true);
}

test('no train: section: appends one with the module entry', () => {
  const out = set(HEAD, 3, 0.5);
  assert.equal(out, `${HEAD}train:\n  lrMult:\n    3: 0.5\n`);
  assert.deepEqual(mults(out, 5), [1, 1, 1, 0.5, 1]);
  assert.equal(set('model: m.yaml', 0, 2), 'model: m.yaml\ntrain:\n  lrMult:\n    0: 2\n');
  assert.equal(set('model: m.yaml\r\n', 0, 2), 'model: m.yaml\r\ntrain:\r\n  lrMult:\r\n    0: 2\r\n');
});

test('block train: without lrMult: a block lrMult after its last entry, at its indentation', () => {
  const text = `${HEAD}train:\n    epochs: 3 # short\n    lr: 0.01\nfreeze: 2\n`;
  const out = set(text, 1, 0.1);
  assert.equal(out, `${HEAD}train:\n    epochs: 3 # short\n    lr: 0.01\n    lrMult:\n      1: 0.1\nfreeze: 2\n`);
  assert.deepEqual(mults(out, 3), [1, 0.1, 1]);
});

test('flow train: {…} gets lrMult inside it; an empty train: gets a flow value', () => {
  assert.equal(set(`${HEAD}train: {epochs: 3}  # x\n`, 2, 0.3), `${HEAD}train: {epochs: 3, lrMult: {2: 0.3}}  # x\n`);
  assert.equal(set(`${HEAD}train: {}\n`, 2, 0.3), `${HEAD}train: {lrMult: {2: 0.3}}\n`);
  const empty = set(`${HEAD}train: # defaults\nfreeze: 1\n`, 2, 0.3);
  assert.equal(empty, `${HEAD}train: {lrMult: {2: 0.3}} # defaults\nfreeze: 1\n`);
  assert.deepEqual(mults(empty, 3), [1, 1, 0.3]);
});

test("an existing entry of the module's own is updated in place; a range holding it is kept", () => {
  const block = `${HEAD}train:\n  lrMult:\n    0-5: 0.1 # body\n    3: 0.5 # this one\n`;
  const out = set(block, 3, 0.25);
  assert.equal(out, `${HEAD}train:\n  lrMult:\n    0-5: 0.1 # body\n    3: 0.25 # this one\n`);
  assert.equal(set(`${HEAD}train: {lrMult: {'0-5': 0.1, '3-3': 0.5}}\n`, 3, 2), `${HEAD}train: {lrMult: {'0-5': 0.1, '3-3': 2}}\n`);
  // A module inside a range gets its own entry, which wins over the range.
  const added = set(`${HEAD}train:\n  lrMult:\n    0-5: 0.1 # body\n  lr: 0.01\n`, 4, 1);
  assert.equal(added, `${HEAD}train:\n  lrMult:\n    0-5: 0.1 # body\n    4: 1\n  lr: 0.01\n`);
  assert.deepEqual(mults(added, 7), [0.1, 0.1, 0.1, 0.1, 1, 0.1, 1]);
  assert.equal(set(`${HEAD}train: {lrMult: {'6-': 1}}\n`, 2, 0.5), `${HEAD}train: {lrMult: {'6-': 1, 2: 0.5}}\n`);
});

test('removing a multiplier deletes only the module entry, then lrMult when it empties', () => {
  const block = `${HEAD}train:\n  lrMult:\n    0-5: 0.1\n    3: 0.5 # this one\n  lr: 0.01\n`;
  const out = set(block, 3, undefined);
  assert.equal(out, `${HEAD}train:\n  lrMult:\n    0-5: 0.1\n  lr: 0.01\n`);
  assert.deepEqual(mults(out, 7), [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 1]);
  assert.equal(set(`${HEAD}train:\n  epochs: 2\n  lrMult:\n    3: 0.5\n`, 3, undefined), `${HEAD}train:\n  epochs: 2\n`);
  assert.equal(set(`${HEAD}train: {epochs: 2, lrMult: {3: 0.5, 4: 2}}\n`, 3, undefined), `${HEAD}train: {epochs: 2, lrMult: {4: 2}}\n`);
  assert.equal(set(`${HEAD}train: {epochs: 2, lrMult: {4: 2, 3: 0.5}}\n`, 3, undefined), `${HEAD}train: {epochs: 2, lrMult: {4: 2}}\n`);
  assert.equal(set(`${HEAD}train: {epochs: 2, lrMult: {3: 0.5}}\n`, 3, undefined), `${HEAD}train: {epochs: 2}\n`);
  // Nothing of the module's own: nothing to change (a range's value is never rewritten).
  assert.deepEqual(rewriteLrMult(`${HEAD}train: {lrMult: {'0-5': 0.1}}\n`, 3, undefined), { offset: 0, length: 0, newText: '' });
  assert.deepEqual(rewriteLrMult(HEAD, 3, undefined), { offset: 0, length: 0, newText: '' });
});

test('refuses, saying why, where a multiplier cannot go', () => {
  assert.throws(
    () => rewriteLrMult(`${HEAD}train: {lr: [1e-5, 1e-3]}\n`, 1, 0.5),
    /spread over the modules by `lr: \[min, max\]`.*write `lr:` as one value first/,
  );
  assert.throws(
    () => rewriteLrMult('trainer: yolov5\nmodel: m.yaml\n', 1, 0.5),
    /YOLOv5's train.py trains every unfrozen module at one learning rate/,
  );
  assert.throws(() => rewriteLrMult(HEAD, 1, 0), /above 0/);
  assert.throws(() => rewriteLrMult(HEAD, -1, 1), /not a module index/);
  assert.throws(() => rewriteLrMult('{model: m.yaml}', 1, 2), /flow mapping/);
  assert.throws(() => rewriteLrMult('model: [\n', 1, 2), /line 2/);
});
