// The experiment's freeze value as YOLOv5's `train.py --freeze`, for every form it can take, checked
// against YOLOv5's own reading of the argument (one value = a count, several = indices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FreezeSpec } from '../../src/shared/experiment/types';
import { freezePrefixes } from '../../src/shared/freeze';
import { yolov5FreezeArgs, Yolov5FreezeError, yolov5FrozenPrefixes } from '../../src/trainer/yolov5/freezeArgs';

/** Modules YOLOv5 freezes for these args (its rule), as a sorted index list. */
function yolov5Modules(args: string[]): number[] {
  return [...new Set(yolov5FrozenPrefixes(args).map((p) => Number(p.split('.')[1])))].sort((a, b) => a - b);
}

/** Modules the experiment's value freezes (our rule, the Modules view's), as a sorted index list. */
function ourModules(spec: FreezeSpec): number[] {
  return [...new Set(freezePrefixes(spec).map((p) => Number(p.split('.')[1])))].sort((a, b) => a - b);
}

const CASES: Array<{ spec: FreezeSpec; args: string[]; what: string }> = [
  { spec: 0, args: ['0'], what: "nothing frozen (YOLOv5's default)" },
  { spec: 10, args: ['10'], what: "the backbone, modules 0–9 (the seed's --freeze 10)" },
  { spec: 24, args: ['24'], what: "all but the Detect head (the seed's --freeze 24)" },
  { spec: 1, args: ['1'], what: 'module 0 only, as a count' },
  { spec: [], args: ['0'], what: 'an empty list freezes nothing' },
  { spec: [0], args: ['1'], what: 'module 0 alone is the prefix 0…0' },
  { spec: [5], args: ['5', '5'], what: 'a lone module k is written k k, or YOLOv5 reads it as a count' },
  { spec: [0, 1, 2], args: ['3'], what: 'a list that is a prefix becomes the count' },
  { spec: [2, 0, 1], args: ['3'], what: 'order does not matter for a prefix' },
  { spec: [0, 2], args: ['0', '2'], what: 'indices with a gap stay indices' },
  { spec: [9, 3, 9], args: ['3', '9'], what: 'duplicates are dropped, indices sorted' },
  { spec: [1, 2, 3], args: ['1', '2', '3'], what: 'a run not starting at 0 is not a prefix' },
  { spec: ['model.4'], args: ['4', '4'], what: 'a whole-module name is its index' },
  { spec: ['model.4.', 0], args: ['0', '4'], what: 'whole-module names with a trailing dot, mixed with indices' },
];

for (const c of CASES) {
  test(`freeze ${JSON.stringify(c.spec)} → --freeze ${c.args.join(' ')}: ${c.what}`, () => {
    const args = yolov5FreezeArgs(c.spec);
    assert.deepEqual(args, c.args);
    assert.deepEqual(yolov5Modules(args), ourModules(c.spec), 'YOLOv5 freezes exactly the modules the experiment names');
  });
}

test('a single value is always a count to YOLOv5: passing [5] as "5" would freeze modules 0–4', () => {
  assert.deepEqual(yolov5Modules(['5']), [0, 1, 2, 3, 4]);
  assert.deepEqual(yolov5Modules(yolov5FreezeArgs([5])), [5]);
});

test('every single module and every prefix of a 25-module model survives the translation', () => {
  for (let k = 0; k < 25; k++) {
    assert.deepEqual(yolov5Modules(yolov5FreezeArgs([k])), [k], `module ${k} alone`);
    assert.deepEqual(yolov5Modules(yolov5FreezeArgs(k)), ourModules(k), `count ${k}`);
    assert.deepEqual(yolov5Modules(yolov5FreezeArgs([k, 24])), ourModules([k, 24]), `modules ${k} and 24`);
  }
});

test('layer names cannot be expressed to YOLOv5: refused with what to do instead', () => {
  for (const spec of [['model.3.bn'], [0, 1, 'model.2.cv1.conv'], ['backbone']] as FreezeSpec[]) {
    assert.throws(
      () => yolov5FreezeArgs(spec),
      (e: unknown) => {
        assert.ok(e instanceof Yolov5FreezeError);
        assert.match(e.message, /cannot express/);
        assert.match(e.message, /whole modules/);
        assert.match(
          e.message,
          new RegExp(String((spec as Array<string | number>).find((x) => typeof x === 'string')).replace(/\./g, '\\.')),
        );
        return true;
      },
    );
  }
});

test("YOLOv5's rule itself: one value N is range(N), several are the modules, with the trailing dot", () => {
  assert.deepEqual(yolov5FrozenPrefixes(['3']), ['model.0.', 'model.1.', 'model.2.']);
  assert.deepEqual(yolov5FrozenPrefixes(['7', '7']), ['model.7.', 'model.7.']);
  assert.deepEqual(yolov5FrozenPrefixes(['0']), []);
  assert.throws(() => yolov5FrozenPrefixes(['x']), Yolov5FreezeError);
});
