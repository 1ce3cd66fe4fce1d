// TensorFlow.js model.json parsing (fixtures written by tfjs 4.22 `model.save`), Keras block
// grouping, the converter's format, and the weight-shard checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, symlink, truncate, unlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { blockKey, parseTfjsModel, verifyWeightFiles } from '../../src/shared/model/tfjsModel';
import { loadModelSummary } from '../../src/shared/model/load';
import { jsonErrorOffset } from '../../src/shared/model/jsonErrorOffset';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/models');

async function parseFixture(name: string) {
  const file = path.join(FIXTURES, name, 'model.json');
  return { file, text: await readFile(file, 'utf8'), ...parseTfjsModel(await readFile(file, 'utf8'), file) };
}

test('a Sequential model saved by tfjs: one module per layer, shapes from the manifest', async () => {
  const { summary, diagnostics } = await parseFixture('tfjs-sequential');
  assert.deepEqual(diagnostics, []);
  assert.ok(summary);
  assert.equal(summary.kind, 'tfjs');
  assert.deepEqual(
    summary.modules.map((m) => [m.name, m.type, m.label]),
    [
      ['model.0', 'Conv2D', 'conv2d_Conv2D1'],
      ['model.1', 'BatchNormalization', 'batch_normalization_BatchNormalization1'],
      ['model.2', 'MaxPooling2D', 'max_pooling2d_MaxPooling2D1'],
      ['model.3', 'Conv2D', 'conv2d_Conv2D2'],
      ['model.4', 'Flatten', 'flatten_Flatten1'],
      ['model.5', 'Dropout', 'dropout_Dropout1'],
      ['model.6', 'Dense', 'dense_Dense1'],
    ],
  );
  // tfjs countParams() reports 5197 including the 8 BatchNorm moving statistics.
  assert.equal(summary.totalParams, 5197 - 8);
  assert.deepEqual(
    summary.modules[0].layers[0].params.map((p) => [p.name, p.shape, p.count]),
    [
      ['model.0.conv2d_Conv2D1.kernel', [3, 3, 1, 4], 36],
      ['model.0.conv2d_Conv2D1.bias', [4], 4],
    ],
  );
  assert.deepEqual(
    summary.modules[1].layers[0].params.map((p) => p.name),
    ['model.1.batch_normalization_BatchNormalization1.gamma', 'model.1.batch_normalization_BatchNormalization1.beta'],
  );
  assert.deepEqual(summary.inputShape, [28, 28, 1]);
  assert.equal(summary.nc, 5);
  assert.equal(summary.modules[2].params, 0);
  assert.equal(summary.modules[0].line, 1, 'tfjs writes model.json on one line');
});

test('a functional model with Keras block names: layers grouped into blocks', async () => {
  const { summary, diagnostics } = await parseFixture('tfjs-blocks');
  assert.deepEqual(diagnostics, []);
  assert.ok(summary);
  assert.deepEqual(
    summary.modules.map((m) => [m.label, m.type, m.layers.length]),
    [
      ['conv1', 'Block', 3],
      ['block_1', 'Block', 6],
      ['block_2', 'Block', 6],
      ['global_average_pooling2d', 'GlobalAveragePooling2D', 1],
      ['predictions', 'Dense', 1],
    ],
  );
  assert.deepEqual(
    summary.modules[1].layers.map((l) => l.name),
    [
      'model.1.block_1_expand',
      'model.1.block_1_expand_BN',
      'model.1.block_1_expand_relu',
      'model.1.block_1_depthwise',
      'model.1.block_1_depthwise_BN',
      'model.1.block_1_project',
    ],
  );
  assert.deepEqual(
    summary.modules[1].layers[3].params.map((p) => [p.name, p.shape]),
    [['model.1.block_1_depthwise.depthwise_kernel', [3, 3, 8, 1]]],
  );
  assert.equal(summary.totalParams, 539 - 2 * (4 + 8 + 8 + 8 + 8), 'tfjs countParams minus BN moving statistics');
  assert.equal(
    summary.modules.reduce((a, m) => a + m.params, 0),
    summary.totalParams,
  );
  assert.deepEqual(summary.inputShape, [16, 16, 3], 'from the InputLayer, which is not a module');
});

test('block keys: Keras prefixes group, counters and tfjs auto names do not', () => {
  const cases: Array<[string, string, string]> = [
    ['block_3_expand', 'Conv2D', 'block_3'],
    ['block_3_expand_BN', 'BatchNormalization', 'block_3'],
    ['conv1_bn', 'BatchNormalization', 'conv1'],
    ['conv1', 'Conv2D', 'conv1'],
    ['block1a_dwconv', 'DepthwiseConv2D', 'block1a'],
    ['conv2_block1_1_conv', 'Conv2D', 'conv2'],
    ['conv2d_1', 'Conv2D', 'conv2d_1'],
    ['batch_normalization_3', 'BatchNormalization', 'batch_normalization_3'],
    ['conv2d_Conv2D12', 'Conv2D', 'conv2d_Conv2D12'],
    ['predictions', 'Dense', 'predictions'],
  ];
  for (const [name, cls, key] of cases) assert.equal(blockKey(name, cls), key, name);
});

test('the tfjs converter format (model_config wrapper, Functional, nested model) parses', () => {
  const topology = {
    keras_version: '2.13.1',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Functional',
      config: {
        name: 'outer',
        layers: [
          { class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 8, 8, 3], name: 'in' }, inbound_nodes: [] },
          {
            class_name: 'Sequential',
            name: 'base',
            config: {
              name: 'base',
              layers: [
                { class_name: 'Conv2D', config: { name: 'conv1_conv', filters: 2 } },
                { class_name: 'BatchNormalization', config: { name: 'conv1_bn' } },
              ],
            },
          },
          { class_name: 'Dense', name: 'head', config: { name: 'head', units: 3 } },
        ],
      },
    },
  };
  const text = JSON.stringify(
    {
      format: 'layers-model',
      generatedBy: 'keras v2.13.1',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: topology,
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'base/conv1_conv/kernel', shape: [3, 3, 3, 2], dtype: 'float32' },
            { name: 'conv1_bn/gamma', shape: [2], dtype: 'float32' },
            { name: 'conv1_bn/beta', shape: [2], dtype: 'float32' },
            { name: 'conv1_bn/moving_mean', shape: [2], dtype: 'float32' },
            { name: 'head/kernel', shape: [2, 3], dtype: 'float32' },
            { name: 'head/bias', shape: [3], dtype: 'float32' },
            { name: 'stray/kernel', shape: [1], dtype: 'float32' },
          ],
        },
      ],
    },
    null,
    2,
  );
  const { summary, diagnostics } = parseTfjsModel(text, '/w/model.json');
  assert.ok(summary);
  assert.deepEqual(
    summary.modules.map((m) => [m.label, m.params]),
    [
      ['conv1', 54 + 4],
      ['head', 9],
    ],
  );
  assert.deepEqual(summary.inputShape, [8, 8, 3]);
  assert.equal(summary.modules[1].line, text.split('\n').findIndex((l) => l.includes('"name": "head"')) + 1);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 'warning');
  assert.match(diagnostics[0].message, /weight 'stray\/kernel' matches no layer/);
  assert.equal(diagnostics[0].line, text.split('\n').findIndex((l) => l.includes('stray/kernel')) + 1);
});

test('broken or foreign JSON gives a diagnostic with a position and a fix', () => {
  const bad = parseTfjsModel('{\n  "modelTopology": {\n    "class_name": "Sequential",\n  }\n}', '/w/model.json');
  assert.equal(bad.summary, undefined);
  assert.equal(bad.diagnostics[0].line, 4);
  assert.deepEqual([bad.diagnostics[0].line, bad.diagnostics[0].column], [4, 3], 'at the } after a trailing comma');
  assert.match(bad.diagnostics[0].message, /not valid JSON/);
  for (const [text, offset] of [
    ['{"a": 1}', undefined],
    ['[1, 2', 5],
    ['{"a" 1}', 5],
    ['{"a": tru}', 6],
    ['{"a": "x\\q"}', 9],
    ['[1] 2', 4],
    ['-', 0],
  ] as const) {
    assert.equal(jsonErrorOffset(text), offset, text);
  }
  assert.match(parseTfjsModel('{"format": "graph-model", "modelTopology": {}}', '/w/m.json').diagnostics[0].message, /graph model/);
  assert.match(parseTfjsModel('{"weightsManifest": []}', '/w/m.json').diagnostics[0].message, /no modelTopology/);
  assert.match(
    parseTfjsModel('{"modelTopology": {"class_name": "Conv2D", "config": {}}}', '/w/m.json').diagnostics[0].message,
    /must be Sequential, Model or Functional/,
  );
});

test('verifyWeightFiles reports missing and truncated shards at the manifest line', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-tfjs-'));
  try {
    await cp(path.join(FIXTURES, 'tfjs-sequential'), dir, { recursive: true });
    const file = path.join(dir, 'model.json');
    const text = await readFile(file, 'utf8');
    const parsed = parseTfjsModel(text, file);
    assert.deepEqual(await verifyWeightFiles(file, text, parsed.manifest!), [], 'intact copy passes');

    await truncate(path.join(dir, 'weights.bin'), 1000);
    const corrupt = await verifyWeightFiles(file, text, parsed.manifest!);
    assert.equal(corrupt.length, 1);
    assert.match(corrupt[0].message, /holds 1000 bytes but its 10 weights need 20788: the file is truncated or belongs to another model/);

    await unlink(path.join(dir, 'weights.bin'));
    const missing = await loadModelSummary(file, { verifyWeights: true });
    assert.ok(missing.summary, 'the structure is still known');
    assert.equal(missing.diagnostics.length, 1);
    assert.match(missing.diagnostics[0].message, /weights file 'weights\.bin' is missing next to model\.json/);
    assert.equal(missing.diagnostics[0].file, file);

    // There but unreadable (here a symlink to itself: ELOOP, even for root): not called missing.
    await symlink('weights.bin', path.join(dir, 'weights.bin'));
    const loop = await verifyWeightFiles(file, text, parsed.manifest!);
    assert.equal(loop.length, 1);
    assert.match(loop[0].message, /weights file 'weights\.bin' next to model\.json cannot be read: .*ELOOP/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadModelSummary picks the parser by extension and reports unreadable files', async () => {
  const yaml = await loadModelSummary(path.join(FIXTURES, 'yolov5n.yaml'), {});
  assert.equal(yaml.summary?.kind, 'yolov5-yaml');
  const json = await loadModelSummary(path.join(FIXTURES, 'tfjs-blocks', 'model.json'));
  assert.equal(json.summary?.kind, 'tfjs');
  const missing = await loadModelSummary('/nonexistent/net.yaml');
  assert.match(missing.diagnostics[0].message, /cannot read the model file: the file does not exist\. Check `model:` in the experiment/);
  const other = await loadModelSummary('/w/net.h5');
  assert.match(other.diagnostics[0].message, /unsupported model file 'net\.h5'/);
});
