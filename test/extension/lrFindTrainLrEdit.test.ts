// "Use … as train.lr" edits only the value: comments, order and formatting stay, and the file
// parses to the new rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdit } from '../../src/shared/experiment/freezeEdit';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { rewriteTrainLr } from '../../src/extension/lrFind/trainLrEdit';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const set = (text: string, lr: number) => applyEdit(text, rewriteTrainLr(text, lr));

test('replaces the value of train.lr and keeps its comment (the digits example)', () => {
  const file = path.join(ROOT, 'examples', 'digits', 'transfer.experiment.yaml');
  const text = readFileSync(file, 'utf8');
  const out = set(text, 0.0012345);
  assert.match(out, /^ {2}lr: 1\.2e-3 # learning rate; the last layer still scores digits 0-4/m);
  // Only that value changed.
  assert.equal(out.replace('lr: 1.2e-3', 'lr: 0.005'), text);
  const parsed = parseExperiment(out, file).experiment;
  assert.equal(parsed?.train.lr, 0.0012);
});

test('adds lr under train, indented like its keys, when train has none', () => {
  const text = 'model: m.yaml\ntrain:\n    epochs: 3 # three\n    batch: 8\nfreeze: 0\n';
  assert.equal(set(text, 3e-4), 'model: m.yaml\ntrain:\n    epochs: 3 # three\n    batch: 8\n    lr: 3.0e-4\nfreeze: 0\n');
  assert.equal(set('train:\n  epochs: 3', 3e-4), 'train:\n  epochs: 3\n  lr: 3.0e-4\n');
});

test('adds a train section when there is none, with the file line endings', () => {
  assert.equal(set('model: m.yaml\n', 1e-2), 'model: m.yaml\ntrain:\n  lr: 1.0e-2\n');
  assert.equal(set('model: m.yaml\r\nfreeze: 0', 1e-2), 'model: m.yaml\r\nfreeze: 0\r\ntrain:\r\n  lr: 1.0e-2\r\n');
});

test("a [min, max] spread keeps its ratio and ends at the new rate (fastai's slice)", () => {
  assert.equal(set('train:\n  lr: [1e-5, 1e-3] # spread\n', 2e-3), 'train:\n  lr: [2.0e-5, 2.0e-3] # spread\n');
});

test('shapes it cannot edit safely are refused with the reason', () => {
  assert.throws(() => set('train: {epochs: 3}\n', 1e-3), /cannot set train\.lr: `train:` is not a block/);
  assert.throws(() => set('{model: m.yaml}', 1e-3), /one flow mapping/);
  assert.throws(() => set('train:\n  lr:\n    - 1\n    - 2\n', 1e-3), /edit it by hand/);
  assert.throws(() => set('- a\n', 1e-3), /not a mapping/);
  assert.throws(() => set('train: [\n', 1e-3), /line \d+, column \d+/);
});
