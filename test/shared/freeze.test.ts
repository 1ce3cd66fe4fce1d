// The freeze rules on the real YOLOv5s architecture: YOLOv5's --freeze cases, the trailing-dot
// rule, canonical write-back, validation, the view helpers and the tree rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  canonicalFreeze,
  freezeAllButHeadSpec,
  freezeBackboneSpec,
  freezeLineOf,
  freezePrefixes,
  frozenLayerNames,
  frozenState,
  isParamFrozen,
  toggleFreeze,
  unfreezeAllSpec,
  validateFreeze,
} from '../../src/shared/freeze';
import { parseYoloModel } from '../../src/shared/model/yolo';
import { parseTfjsModel } from '../../src/shared/model/tfjsModel';
import { treeDescription, treeRows, formatCount } from '../../src/extension/modules/treeRows';
import type { ModelSummary } from '../../src/shared/model/types';
import type { FreezeSpec } from '../../src/shared/experiment/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/models');

function yolov5s(): ModelSummary {
  const file = path.join(FIXTURES, 'yolov5s.yaml');
  return parseYoloModel(readFileSync(file, 'utf8'), file, { imgsz: 640 }).summary!;
}

function tfjsBlocks(): ModelSummary {
  const file = path.join(FIXTURES, 'tfjs-blocks', 'model.json');
  return parseTfjsModel(readFileSync(file, 'utf8'), file).summary!;
}

const allParams = (m: ModelSummary) => m.modules.flatMap((x) => x.layers.flatMap((l) => l.params));

test('freezePrefixes: a count, indices, and names, each ending in a dot', () => {
  assert.deepEqual(freezePrefixes(0), []);
  assert.deepEqual(freezePrefixes(3), ['model.0.', 'model.1.', 'model.2.']);
  assert.deepEqual(freezePrefixes([0, 1, 2]), ['model.0.', 'model.1.', 'model.2.']);
  assert.deepEqual(freezePrefixes([5]), ['model.5.'], 'a one-element list is that module only');
  assert.deepEqual(freezePrefixes(['model.3.bn', 'model.4.']), ['model.3.bn.', 'model.4.']);
});

test('the trailing dot: model.1. never matches model.10. (or model.1x)', () => {
  const prefixes = freezePrefixes([1]);
  assert.ok(isParamFrozen('model.1.conv.weight', prefixes));
  assert.ok(!isParamFrozen('model.10.conv.weight', prefixes));
  assert.ok(!isParamFrozen('model.11.bn.bias', prefixes));
  const s = yolov5s();
  const frozen = allParams(s).filter((p) => isParamFrozen(p.name, prefixes));
  assert.ok(frozen.length > 0);
  assert.ok(frozen.every((p) => p.name.startsWith('model.1.')));
  assert.equal(
    frozen.reduce((a, p) => a + p.count, 0),
    s.modules[1].params,
  );
  assert.ok(!isParamFrozen('model.3.bnx.weight', freezePrefixes(['model.3.bn'])));
});

test('YOLOv5 cases on yolov5s: 0, 10 (backbone), 24 (all but Detect), [0,1,2]', () => {
  const s = yolov5s();
  const none = frozenState(s, 0);
  assert.equal(none.trainableParams, 7_235_389);
  assert.ok(none.modules.every((m) => m.state === 'trainable'));

  const backbone = frozenState(s, 10);
  const backboneParams = s.modules.slice(0, 10).reduce((a, m) => a + m.params, 0);
  assert.equal(backbone.frozenParams, backboneParams);
  assert.equal(backbone.trainableParams, 7_235_389 - backboneParams);
  assert.deepEqual(
    backbone.modules.map((m) => m.state),
    [...Array(10).fill('frozen'), ...Array(15).fill('trainable')],
  );
  assert.deepEqual([backbone.modules[2].frozenLayers, backbone.modules[2].totalLayers], [10, 10]);

  const head = frozenState(s, 24);
  assert.equal(head.trainableParams, 229_245, 'only Detect trains');
  assert.equal(head.modules[11].state, 'frozen', 'parameter-free Upsample inside the range counts as frozen');

  const first = frozenState(s, [0, 1, 2]);
  assert.equal(first.frozenParams, 3520 + 18560 + 18816);
  assert.deepEqual(
    first.modules.slice(0, 4).map((m) => m.state),
    ['frozen', 'frozen', 'frozen', 'trainable'],
  );
});

test('a layer name freezes part of a module', () => {
  const s = yolov5s();
  const st = frozenState(s, ['model.2.cv1', 'model.3.bn']);
  assert.equal(st.modules[2].state, 'partial');
  assert.deepEqual([st.modules[2].frozenLayers, st.modules[2].totalLayers], [2, 10]);
  assert.equal(st.modules[3].state, 'partial');
  assert.equal(st.frozenParams, 32 * 64 + 64 + 2 * 128);
});

test('canonicalFreeze: N for a prefix, 0 for nothing, else indices then partial layer names', () => {
  const s = yolov5s();
  assert.equal(canonicalFreeze(s, new Set()), 0);
  for (const n of [1, 10, 24, 25]) assert.equal(canonicalFreeze(s, frozenLayerNames(s, n)), n, `freeze ${n} round-trips`);
  assert.equal(canonicalFreeze(s, frozenLayerNames(s, 12)), 11, 'trailing parameter-free modules do not lengthen N');
  assert.deepEqual(canonicalFreeze(s, frozenLayerNames(s, [0, 1, 2])), 3, 'a list that is a prefix becomes N');
  assert.deepEqual(canonicalFreeze(s, frozenLayerNames(s, [12, 0, 1])), 2, '[0, 1] plus a parameter-free module is 2');
  assert.deepEqual(canonicalFreeze(s, frozenLayerNames(s, [5])), [5]);
  assert.deepEqual(canonicalFreeze(s, frozenLayerNames(s, [4, 1, 2])), [1, 2, 4]);
  assert.deepEqual(canonicalFreeze(s, frozenLayerNames(s, [0, 'model.3.bn', 'model.2.m.0'])), [
    0,
    'model.2.m.0.cv1.conv',
    'model.2.m.0.cv1.bn',
    'model.2.m.0.cv2.conv',
    'model.2.m.0.cv2.bn',
    'model.3.bn',
  ]);
  assert.deepEqual(canonicalFreeze(s, new Set(['model.3.conv', 'model.3.bn', 'not.a.layer'])), [3]);
  // the canonical value freezes exactly the same parameters as the original
  const spec = [0, 1, 'model.6.cv3', 9];
  const canon = canonicalFreeze(s, frozenLayerNames(s, spec));
  assert.equal(frozenState(s, canon).frozenParams, frozenState(s, spec).frozenParams);
});

test('toggleFreeze: ticking module 10 after freeze 10 gives 11; unticking module 0 gives a list', () => {
  const s = yolov5s();
  assert.equal(toggleFreeze(s, 10, s.modules[10], true), 11);
  assert.deepEqual(toggleFreeze(s, 3, s.modules[0], false), [1, 2]);
  assert.deepEqual(toggleFreeze(s, 0, s.modules[3].layers[1], true), ['model.3.bn']);
  assert.equal(toggleFreeze(s, ['model.3.bn'], s.modules[3].layers[1], false), 0);
});

test('validateFreeze: out-of-range counts and indices, names that match nothing, duplicates', () => {
  const s = yolov5s();
  const at = { file: '/w/e.experiment.yaml', line: 7, column: 1 };
  assert.deepEqual(validateFreeze(s, 10, at), []);
  assert.deepEqual(validateFreeze(s, 25, at), []);
  assert.deepEqual(validateFreeze(s, [0, 'model.3.bn', 'model.24'], at), []);
  const over = validateFreeze(s, 30, at);
  assert.equal(over.length, 1);
  assert.deepEqual([over[0].file, over[0].line, over[0].severity], ['/w/e.experiment.yaml', 7, 'error']);
  assert.match(over[0].message, /freeze 30 is more than the 25 modules of yolov5s\.yaml \(model\.0–model\.24\); use 0–25/);
  assert.match(validateFreeze(s, [3, 25], at)[0].message, /freeze index 25 is not a module of yolov5s\.yaml: indices go from 0 to 24/);
  assert.match(
    validateFreeze(s, ['model.3.bnn'], at)[0].message,
    /'model\.3\.bnn' matches no parameter of yolov5s\.yaml; names look like model\.3 or model\.3\.bn/,
  );
  const para = validateFreeze(s, ['model.11'], at);
  assert.deepEqual([para[0].severity, para[0].message], ['warning', "'model.11' has no parameters, so freezing it changes nothing"]);
  const dup = validateFreeze(s, [1, 1], at);
  assert.deepEqual(
    dup.map((d) => d.severity),
    ['warning'],
  );
  assert.match(validateFreeze(s, -1, at)[0].message, /whole number ≥ 0/);
  const t = tfjsBlocks();
  assert.match(validateFreeze(t, ['block_1_expand'])[0].message, /did you mean 'model\.1\.block_1_expand'\?/);
  // located from the experiment text
  const fromText = validateFreeze(s, 99, 'model: m.yaml\n\nfreeze: 99\n', '/w/x.experiment.yaml');
  assert.deepEqual([fromText[0].file, fromText[0].line], ['/w/x.experiment.yaml', 3]);
  assert.deepEqual(freezeLineOf('model: [\n', '/w/x.yaml'), { file: '/w/x.yaml', line: 1, column: 1 });
});

test('view helpers: Freeze Backbone, Freeze All but Head, Unfreeze All', () => {
  const s = yolov5s();
  assert.equal(freezeBackboneSpec(s), 10);
  assert.equal(freezeAllButHeadSpec(s), 24);
  assert.equal(unfreezeAllSpec(), 0);
  const t = tfjsBlocks();
  assert.equal(freezeBackboneSpec(t), 4, 'tfjs: all but the last module');
  assert.equal(freezeAllButHeadSpec(t), 4);
  assert.equal(frozenState(t, freezeBackboneSpec(t)).trainableParams, t.modules[4].params);
});

test('treeRows: labels, descriptions, checkbox states (partial shows unchecked), layer children', () => {
  const s = yolov5s();
  const rows = treeRows(s, [0, 'model.2.cv1']);
  assert.equal(rows.length, 25);
  assert.deepEqual([rows[0].id, rows[0].label, rows[0].checkbox, rows[0].state], ['model.0', '0 Conv', 'checked', 'frozen']);
  assert.equal(rows[0].description, '3.52K params · 320×320×32');
  assert.deepEqual([rows[2].checkbox, rows[2].state], ['unchecked', 'partial']);
  assert.match(rows[2].description, /partial 2\/10$/);
  assert.deepEqual(
    rows[2].children.slice(0, 3).map((c) => [c.label, c.checkbox]),
    [
      ['cv1.conv', 'checked'],
      ['cv1.bn', 'checked'],
      ['cv2.conv', 'unchecked'],
    ],
  );
  assert.equal(rows[2].children[0].description, 'Conv2d · 2.05K');
  assert.match(rows[2].children[0].tooltip, /weight 32×64×1×1/);
  assert.equal(rows[11].checkbox, undefined, 'Upsample has nothing to freeze');
  assert.equal(rows[11].description, 'no parameters · 40×40×256');
  assert.equal(treeDescription(s, 10), `${formatCount(7_235_389 - frozenState(s, 10).frozenParams)} trainable`);
  assert.equal(treeDescription(s, 0), 'all 7.24M trainable', 'nothing frozen: the whole model');
  // Short enough for a default-width sidebar beside the view's title (about 20 characters).
  for (const spec of [0, 10, [0, 'model.2.cv1'], 24] satisfies FreezeSpec[])
    assert.ok(treeDescription(s, spec).length <= 20, treeDescription(s, spec));
  const t = treeRows(tfjsBlocks(), 1);
  assert.equal(t[1].label, '1 block_1');
  assert.equal(t[1].description.startsWith('Block · '), true);
  assert.equal(t[1].children[2].checkbox, undefined, 'ReLU layer: no parameters');
  assert.equal(t[0].children[0].checkbox, 'checked');
  assert.deepEqual([formatCount(999), formatCount(18816), formatCount(7235389), formatCount(123456789)], ['999', '18.8K', '7.24M', '123M']);
});
