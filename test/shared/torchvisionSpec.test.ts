// `model: torchvision:<builder>` and its weights in the experiment parser: the form is checked at
// the right line without Python; torchvision weights elsewhere are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { loadModelSummary } from '../../src/shared/model/load';

const FILE = path.resolve('/work/exp/resnet.experiment.yaml');
const DATA = 'data:\n  source: mnist\n  classes: [3, 5]\n';

function parse(head: string) {
  return parseExperiment(`${head}${DATA}`, FILE);
}

test('torchvision:resnet18 with torchvision:DEFAULT keeps both as written', () => {
  const { experiment, diagnostics } = parse('model: torchvision:resnet18\nweights: torchvision:DEFAULT\n');
  assert.deepEqual(diagnostics, []);
  assert.equal(experiment?.model, 'torchvision:resnet18');
  assert.equal(experiment?.weights, 'torchvision:DEFAULT');
  assert.deepEqual(experiment?.torchvision, { builder: 'resnet18', weights: { kind: 'torchvision', name: 'DEFAULT' } });
});

test('a local state dict resolves against the experiment folder; no weights: random init', () => {
  const local = parse('model: torchvision:mobilenet_v3_small\nweights: weights/init.pth\n').experiment;
  assert.equal(local?.weights, path.resolve('/work/exp/weights/init.pth'));
  assert.deepEqual(local?.torchvision, {
    builder: 'mobilenet_v3_small',
    weights: { kind: 'file', path: path.resolve('/work/exp/weights/init.pth') },
  });
  const none = parse('model: torchvision:vit_b_16\n').experiment;
  assert.deepEqual(none?.torchvision, { builder: 'vit_b_16' });
  assert.equal(none?.weights, undefined);
  assert.equal(parse('model: model.yaml\n').experiment?.torchvision, undefined);
});

test('a malformed builder is an error at the model line, with an example', () => {
  const { experiment, diagnostics } = parse('name: x\nmodel: torchvision:ResNet-18\n');
  assert.equal(experiment, undefined);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 2);
  assert.match(diagnostics[0].message, /does not name a torchvision builder.*torchvision:resnet18/);
});

test('weights of a torchvision model must be torchvision:NAME or a .pt/.pth file', () => {
  const wrong = parse('model: torchvision:resnet18\n\nweights: runs/pretrain/weights/best\n').diagnostics;
  assert.equal(wrong.length, 1);
  assert.equal(wrong[0].line, 3);
  assert.match(wrong[0].message, /torchvision:DEFAULT.*\.pt or \.pth/);
  const badName = parse('model: torchvision:resnet18\nweights: torchvision:default\n').diagnostics;
  assert.equal(badName[0].line, 2);
  assert.match(badName[0].message, /torchvision:DEFAULT/);
  assert.ok(parse('model: torchvision:resnet18\nweights: torchvision:IMAGENET1K_V1\n').experiment);
  assert.ok(parse('model: torchvision:resnet18\nweights: w.PT\n').experiment);
});

test('torchvision weights under a model file are refused at the weights line', () => {
  const { experiment, diagnostics } = parse('model: model.yaml\nweights: torchvision:DEFAULT\n');
  assert.equal(experiment, undefined);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 2);
  assert.match(diagnostics[0].message, /model is not a torchvision builder/);
});

test('a model parser without PyTorch says which engine builds a torchvision model', async () => {
  const { summary, diagnostics } = await loadModelSummary('torchvision:resnet18');
  assert.equal(summary, undefined);
  assert.match(diagnostics[0].message, /only the `torch` engine/);
});
