// Later freeze-schedule phases and lrMult entries checked against the model, at their own lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFineTuningAgainstModel } from '../../src/shared/experiment/fineTuneModelCheck';
import { parseExperiment } from '../../src/shared/experiment/parse';
import type { ModelSummary } from '../../src/shared/model/types';
import { positionIn } from '../support/experimentDiagnostics';

const FILE = '/w/e.experiment.yaml';
/** A model of three modules, model.0…model.2; module 1 has a batch-norm layer. */
const MODEL = {
  file: '/w/model.yaml',
  modules: [0, 1, 2].map((i) => ({
    name: `model.${i}`,
    layers: [
      { name: `model.${i}.conv`, params: [{ name: `model.${i}.conv.weight` }] },
      ...(i === 1 ? [{ name: 'model.1.bn', params: [{ name: 'model.1.bn.weight' }] }] : []),
    ],
  })),
} as unknown as ModelSummary;

function check(text: string) {
  const { experiment, diagnostics } = parseExperiment(text, FILE);
  assert.deepEqual(diagnostics, []);
  return checkFineTuningAgainstModel(MODEL, experiment!, text, FILE);
}

const HEAD = 'model: model.yaml\ndata: {source: mnist, classes: [0, 1]}\n';

test('a later phase naming no module or layer is reported at its own line', () => {
  const text = `${HEAD}freeze:\n  schedule:\n    - {epochs: 2, freeze: 2}\n    - {epochs: 2, freeze: ['model.1.bn']}\n    - freeze: [7]\n`;
  const found = check(text);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.deepEqual([found[0].line, found[0].column], positionIn(text, '[7]'));
  assert.match(found[0].message, /^phase 3: freeze index 7 is not a module of model\.yaml: indices go from 0 to 2/);
  assert.equal(found[0].severity, 'error');
  assert.deepEqual(
    check(`${HEAD}freeze: { schedule: [ {epochs: 1, freeze: 3}, {freeze: 4} ] }\n`)[0].message,
    'phase 2: freeze 4 is more than the 3 modules of model.yaml (model.0–model.2); use 0–3 (2 keeps only the last module trainable)',
  );
});

test('an lrMult entry past the last module is a warning at its key; the others are fine', () => {
  const text = `${HEAD}train:\n  lrMult: { '0-1': 0.1, 2: 1, '3-': 5 }\n`;
  const found = check(text);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.deepEqual([found[0].line, found[0].column], positionIn(text, "'3-'"));
  assert.equal(found[0].severity, 'warning');
  assert.match(found[0].message, /train\.lrMult '3-' holds no module: the model has 3 \(model\.0–model\.2\)/);
  assert.deepEqual(check(`${HEAD}freeze: { gradual: { from: 3 } }\ntrain: { epochs: 5 }\n`), []);
});
