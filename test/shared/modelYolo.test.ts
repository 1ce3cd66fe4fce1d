// YOLOv5 model YAML parsing against YOLOv5's own printed numbers, PyTorch parameter names, output
// shapes, the classifier layers, and diagnostics at the module's line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseYoloModel } from '../../src/shared/model/yolo';
import { makeDivisible, pyRound } from '../../src/shared/model/yoloArgs';
import type { ModelSummary } from '../../src/shared/model/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/models');

function fixture(name: string, opts: { nc?: number; imgsz?: number; ch?: number } = {}): ModelSummary {
  const file = path.join(FIXTURES, name);
  const { summary, diagnostics } = parseYoloModel(readFileSync(file, 'utf8'), file, opts);
  assert.deepEqual(diagnostics, []);
  assert.ok(summary);
  return summary;
}

function parse(text: string, opts: { nc?: number; imgsz?: number; ch?: number } = {}) {
  return parseYoloModel(text, '/w/model.yaml', opts);
}

test("parameter totals equal YOLOv5's model summaries for the official sizes (nc=80)", () => {
  const expected: Record<string, number> = {
    'yolov5n.yaml': 1_872_157,
    'yolov5s.yaml': 7_235_389,
    'yolov5m.yaml': 21_190_557,
    'yolov5l.yaml': 46_563_709,
    'yolov5x.yaml': 86_749_405,
  };
  for (const [name, total] of Object.entries(expected)) {
    const s = fixture(name);
    assert.equal(s.totalParams, total, name);
    assert.equal(s.modules.length, 25, name);
    assert.equal(s.backboneLength, 10, name);
    assert.equal(
      s.modules.reduce((a, m) => a + m.layers.reduce((b, l) => b + l.params.reduce((c, p) => c + p.count, 0), 0), 0),
      total,
    );
  }
});

test("yolov5s per-module params, scaled args and repeats match YOLOv5's parse_model table", () => {
  const s = fixture('yolov5s.yaml');
  const params = [
    3520, 18560, 18816, 73984, 115712, 295424, 625152, 1180672, 1182720, 656896, 131584, 0, 0, 361984, 33024, 0, 0, 90880, 147712, 0,
    296448, 590336, 0, 1182720, 229245,
  ];
  assert.deepEqual(
    s.modules.map((m) => m.params),
    params,
  );
  assert.deepEqual(s.modules[0].args, [3, 32, 6, 2, 2]);
  assert.deepEqual(s.modules[4].args, [128, 128, 2], 'C3 gets n = round(6 * 0.33) = 2 as an argument');
  assert.deepEqual(s.modules[6].args, [256, 256, 3]);
  assert.equal(s.modules[6].repeats, 3);
  assert.deepEqual(s.modules[13].args, [512, 256, 1, false]);
  assert.deepEqual(s.modules[12].from, [-1, 6]);
  assert.deepEqual((s.modules[24].args as unknown[])[2], [128, 256, 512], "Detect gets its inputs' channels");
  assert.deepEqual(s.modules.map((m) => m.type).slice(9, 13), ['SPPF', 'Conv', 'Upsample', 'Concat']);
  assert.equal(s.modules[10].section, 'head');
  assert.equal(s.modules[9].section, 'backbone');
  assert.equal(s.modules[0].line, 13, 'line of the row in the YAML');
  assert.equal(s.modules[24].line, 41);
});

test("parameter names and shapes are PyTorch YOLOv5's", () => {
  const s = fixture('yolov5s.yaml');
  const all = new Map(s.modules.flatMap((m) => m.layers.flatMap((l) => l.params.map((p) => [p.name, p.shape] as const))));
  assert.deepEqual(all.get('model.0.conv.weight'), [32, 3, 6, 6]);
  assert.deepEqual(all.get('model.0.bn.weight'), [32]);
  assert.deepEqual(all.get('model.0.bn.bias'), [32]);
  assert.deepEqual(all.get('model.2.cv1.conv.weight'), [32, 64, 1, 1]);
  assert.deepEqual(all.get('model.2.cv3.conv.weight'), [64, 64, 1, 1]);
  assert.deepEqual(all.get('model.2.m.0.cv1.bn.bias'), [32]);
  assert.deepEqual(all.get('model.2.m.0.cv2.conv.weight'), [32, 32, 3, 3]);
  assert.deepEqual(all.get('model.4.m.1.cv2.conv.weight'), [64, 64, 3, 3]);
  assert.deepEqual(all.get('model.9.cv2.conv.weight'), [512, 1024, 1, 1], 'SPPF cv2 takes 4 × c1/2');
  assert.deepEqual(all.get('model.24.m.0.weight'), [255, 128, 1, 1]);
  assert.deepEqual(all.get('model.24.m.2.bias'), [255]);
  assert.equal(all.has('model.0.bn.running_mean'), false, 'running statistics are buffers, not parameters');
  assert.equal(
    all.size,
    s.modules.reduce((a, m) => a + m.layers.reduce((b, l) => b + l.params.length, 0), 0),
    'names are unique',
  );
  const c3 = s.modules[2].layers.map((l) => l.name);
  assert.deepEqual(c3, [
    'model.2.cv1.conv',
    'model.2.cv1.bn',
    'model.2.cv2.conv',
    'model.2.cv2.bn',
    'model.2.cv3.conv',
    'model.2.cv3.bn',
    'model.2.m.0.cv1.conv',
    'model.2.m.0.cv1.bn',
    'model.2.m.0.cv2.conv',
    'model.2.m.0.cv2.bn',
  ]);
  assert.deepEqual(s.modules[2].layers.map((l) => l.type).slice(0, 2), ['Conv2d', 'BatchNorm2d']);
});

test('output shapes (HWC) at imgsz 640, and nc override changes only Detect', () => {
  const s = fixture('yolov5s.yaml', { imgsz: 640 });
  assert.deepEqual(s.inputShape, [640, 640, 3]);
  assert.deepEqual(s.modules[0].outShape, [320, 320, 32]);
  assert.deepEqual(s.modules[9].outShape, [20, 20, 512]);
  assert.deepEqual(s.modules[11].outShape, [40, 40, 256]);
  assert.deepEqual(s.modules[12].outShape, [40, 40, 512]);
  assert.deepEqual(s.modules[17].outShape, [80, 80, 128]);
  assert.deepEqual(s.modules[24].outShape, [25200, 85], '3 anchors × (80² + 40² + 20²) boxes × (nc + 5)');
  const n3 = fixture('yolov5s.yaml', { nc: 3 });
  assert.equal(n3.nc, 3);
  assert.equal(n3.modules[24].params, (128 + 256 + 512) * 24 + 3 * 24);
  assert.equal(n3.totalParams - n3.modules[24].params, 7_235_389 - 229_245);
  assert.equal(fixture('yolov5s.yaml').modules[0].outShape, undefined, 'no imgsz, no shapes');
});

test('an imgsz that is not a multiple of the stride fails at the Concat that cannot join', () => {
  const file = path.join(FIXTURES, 'yolov5s.yaml');
  const { summary, diagnostics } = parseYoloModel(readFileSync(file, 'utf8'), file, { imgsz: 100 });
  assert.equal(summary, undefined);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 29, 'the first Concat row');
  assert.match(diagnostics[0].message, /Concat inputs differ in size \(8×8 vs 7×7\) at imgsz 100/);
});

test('pyRound rounds halves to even and makeDivisible rounds up to multiples', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.01, 0.99].map(pyRound), [0, 2, 2, 4, 2, 1]);
  assert.equal(makeDivisible(1024 * 0.25, 8), 256);
  assert.equal(makeDivisible(100 * 0.33, 8), 40);
  // depth 0.5: n=5 → round(2.5) = 2 (not 3), n=3 → round(1.5) = 2
  const s = parse('depth_multiple: 0.5\nbackbone:\n  - [-1, 1, Conv, [8, 3, 1]]\n  - [-1, 5, C3, [8]]\n  - [-1, 3, C3, [8]]\n');
  assert.deepEqual(
    s.summary?.modules.map((m) => m.repeats),
    [1, 2, 2],
  );
});

test('small classifiers: pools, flatten, dense, dropout, batch-norm and Classify', () => {
  const text = `nc: 4
backbone:
  - [-1, 1, Conv, [8, 3, 1]]        # 0
  - [-1, 1, MaxPool, [2]]           # 1
  - [-1, 1, BatchNorm, []]          # 2
  - [-1, 1, Conv, [16, 3, 2]]       # 3
  - [-1, 1, AvgPool, [2, 1]]        # 4
head:
  - [-1, 1, Flatten, []]            # 5
  - [-1, 1, Dropout, [0.25]]        # 6
  - [-1, 1, Dense, [32, relu]]      # 7
  - [-1, 1, Dense, [nc]]            # 8
`;
  const { summary, diagnostics } = parse(text, { imgsz: 28, ch: 1 });
  assert.deepEqual(diagnostics, []);
  assert.ok(summary);
  assert.deepEqual(
    summary.modules.map((m) => m.outShape),
    [[28, 28, 8], [14, 14, 8], [14, 14, 8], [7, 7, 16], [6, 6, 16], [576], [576], [32], [4]],
  );
  assert.deepEqual(
    summary.modules.map((m) => m.params),
    [1 * 8 * 9 + 16, 0, 16, 8 * 16 * 9 + 32, 0, 0, 0, 576 * 32 + 32, 32 * 4 + 4],
  );
  assert.deepEqual(
    summary.modules[7].layers[0].params.map((p) => [p.name, p.shape]),
    [
      ['model.7.weight', [32, 576]],
      ['model.7.bias', [32]],
    ],
  );
  assert.deepEqual(summary.modules[7].args, [576, 32, 'relu']);
  assert.deepEqual(summary.modules[1].args, [2, 2, 0], 'MaxPool stride defaults to the kernel');
  assert.equal(summary.modules[2].layers[0].name, 'model.2');
  assert.equal(summary.backboneLength, 5);

  const cls = parse('nc: 5\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, GlobalAvgPool, []]\nhead: []\n', { imgsz: 32, ch: 1 });
  assert.deepEqual(cls.summary?.modules[1].outShape, [16]);
  const head = parse('backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [-1, 1, Classify, []]\n', { imgsz: 32, nc: 5 });
  assert.deepEqual(head.diagnostics, []);
  const m = head.summary!.modules[1];
  assert.equal(m.params, 16 * 1280 + 2 * 1280 + 1280 * 5 + 5, 'conv 1280 + bn + linear');
  assert.deepEqual(
    m.layers.map((l) => l.name),
    ['model.1.conv.conv', 'model.1.conv.bn', 'model.1.linear'],
  );
  assert.deepEqual(m.outShape, [5]);
  assert.deepEqual(m.args, [16, 5, 1, 1]);
});

test('repeats of a plain module are wrapped like nn.Sequential: model.i.0, model.i.1', () => {
  const { summary } = parse('backbone:\n  - [-1, 1, Conv, [8, 3, 1]]\n  - [-1, 2, Conv, [8, 3, 2]]\n', { imgsz: 32 });
  assert.deepEqual(
    summary?.modules[1].layers.map((l) => l.name),
    ['model.1.0.conv', 'model.1.0.bn', 'model.1.1.conv', 'model.1.1.bn'],
  );
  assert.deepEqual(summary?.modules[1].outShape, [8, 8, 8], 'each copy strides');
});

test('other YOLOv5 blocks count like YOLOv5: Focus, SPP, BottleneckCSP, GhostConv, C3Ghost, DWConv, C3x', () => {
  const text = `backbone:
  - [-1, 1, Focus, [32, 3]]              # 0
  - [-1, 1, BottleneckCSP, [32]]         # 1
  - [-1, 1, SPP, [64, [5, 9, 13]]]       # 2
  - [-1, 1, GhostConv, [64, 3, 2]]       # 3
  - [-1, 1, C3Ghost, [64]]               # 4
  - [-1, 1, DWConv, [64, 3, 1]]          # 5
  - [-1, 1, C3x, [64]]                   # 6
  - [-1, 1, GhostBottleneck, [64, 3, 2]] # 7
`;
  const { summary, diagnostics } = parse(text, { imgsz: 64 });
  assert.deepEqual(diagnostics, []);
  const conv = (c1: number, c2: number, k: number, g = 1) => c2 * (c1 / g) * k * k + 2 * c2;
  const p = summary!.modules.map((m) => m.params);
  assert.equal(p[0], conv(12, 32, 3), 'Focus convolves 4 × c1 channels');
  assert.equal(p[1], conv(32, 16, 1) + 32 * 16 + 16 * 16 + conv(32, 32, 1) + 2 * 32 + conv(16, 16, 1) + conv(16, 16, 3));
  assert.equal(p[2], conv(32, 16, 1) + conv(64, 64, 1));
  assert.equal(p[3], conv(64, 32, 3) + conv(32, 32, 5, 32));
  const ghost = (c1: number, c2: number) => conv(c1, c2 / 2, 1) + conv(c2 / 2, c2 / 2, 5, c2 / 2);
  assert.equal(p[4], 2 * conv(64, 32, 1) + conv(64, 64, 1) + ghost(32, 16) + ghost(16, 32));
  assert.equal(p[5], conv(64, 64, 3, 64));
  const cross = (c: number) => c * c * 3 + 2 * c + c * c * 3 + 2 * c;
  assert.equal(p[6], 2 * conv(64, 32, 1) + conv(64, 64, 1) + cross(32));
  assert.equal(p[7], ghost(64, 32) + conv(32, 32, 3, 32) + ghost(32, 64) + conv(64, 64, 3, 64) + conv(64, 64, 1));
  assert.deepEqual(
    summary!.modules.map((m) => m.outShape?.slice(0, 2)),
    [
      [32, 32],
      [32, 32],
      [32, 32],
      [16, 16],
      [16, 16],
      [16, 16],
      [16, 16],
      [8, 8],
    ],
  );
});

test("mistakes give a diagnostic at the module's line with what to do", () => {
  const expectError = (text: string, line: number, fragment: RegExp, opts = {}) => {
    const { summary, diagnostics } = parse(text, opts);
    assert.equal(summary, undefined, text);
    const errs = diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errs.length, 1, JSON.stringify(errs));
    assert.equal(errs[0].line, line, errs[0].message);
    assert.match(errs[0].message, fragment);
  };
  const head = 'backbone:\n  - [-1, 1, Conv, [8, 3, 1]]\n';
  expectError(`${head}  - [-1, 1, C4, [8]]\n`, 3, /module 1 \(C4\): unknown module 'C4'; supported: Conv/);
  expectError(
    `${head}  - [3, 1, Conv, [8]]\n`,
    3,
    /from 3 points forward: module 1 can only take input from module 0 \(or -1 for the previous one\)$/,
  );
  // Module 0 has no earlier module: no "modules 0–-1".
  expectError(
    'backbone:\n  - [0, 1, Conv, [8, 3, 1]]\n',
    2,
    /^module 0 \(Conv\): from 0 is module 0 itself: module 0 is the first module: its from must be -1 \(the input image\)$/,
  );
  expectError('backbone:\n  - [2, 1, Conv, [8, 3, 1]]\n', 2, /from 2 points forward: module 0 is the first module: its from must be -1/);
  expectError(
    `${head}  - [-1, 1, Conv, [8]]\n  - [2, 1, Conv, [8]]\n`,
    4,
    /from 2 is module 2 itself: module 2 can only take input from modules 0–1 \(or -1/,
  );
  expectError(`${head}  - [-3, 1, Conv, [8]]\n`, 3, /from -3 points before module 0/);
  expectError(`${head}  - [-1, 1, Conv, [eight]]\n`, 3, /args\[0\] \(output channels\) must be a number, got "eight"/);
  expectError(`${head}  - [-1, 1, Conv, [8, 0]]\n`, 3, /args\[1\] \(kernel size\) must be a whole number ≥ 1/);
  expectError(`${head}  - [-1, 1, Conv]\n`, 3, /each row must be \[from, number, module, args\]/);
  expectError(`${head}  - [-1, 0, Conv, [8]]\n`, 3, /number \(2nd column\) must be a whole number ≥ 1/);
  expectError(`${head}  - [-1, 1, Conv, 8]\n`, 3, /args \(4th column\) must be a list/);
  expectError(`${head}  - [-1, 1, Dense, [10]]\n`, 3, /Dense needs a flat input: put Flatten or GlobalAvgPool before it/);
  expectError(`${head}  - [-1, 1, Flatten, []]\n  - [-1, 1, Dense, [10, sigmoidal]]\n`, 4, /activation must be one of/, { imgsz: 8 });
  expectError(`${head}  - [-1, 1, Dense, [nc]]\n`, 3, /uses `nc` but the class count is unknown/);
  expectError(
    `${head}  - [-1, 1, MaxPool, [2]]\n  - [-1, 1, MaxPool, [2]]\n  - [-1, 1, MaxPool, [2]]\n`,
    5,
    /MaxPool shrinks the 1×1 input to nothing at imgsz 4; use a larger train\.imgsz/,
    { imgsz: 4 },
  );
  expectError(`${head}  - [-1, 1, Conv, [8, 3, 1, null, 3]]\n`, 3, /groups 3 must divide both channel counts/);
  expectError(`${head}  - [-1, 1, Detect, [2, anchors]]\n`, 3, /Detect needs \[nc, anchors\]; add `anchors:`/);
  expectError(`${head}  - [[-1, 0], 1, Detect, [2, [[1, 2]]]]\n`, 3, /Detect has 2 inputs but 1 anchor levels/);
  expectError(
    'backbone:\n  - [-1, 1, Conv, [8, 3, 1]]\n  - [-1, 2, Conv, [16, 3, 1]]\n',
    3,
    /repeating Conv 2 times needs equal input and output channels \(8 → 16\)/,
  );
  expectError('nc: 3\ndepth_multiple: big\nbackbone: []\n', 2, /depth_multiple must be a positive number/);
  expectError('nc: 3\n', 1, /needs a `backbone:` list/);
  expectError('backbone: {a: 1}\n', 1, /backbone must be a list/);
  expectError('backbone: []\n', 1, /the model has no modules/);
  expectError('nc: 0\nbackbone:\n  - [-1, 1, Conv, [8]]\n', 1, /nc must be a whole number ≥ 1/);
  expectError('backbone:\n  - [-1, 1, Conv, [8]\n', 3, /YAML syntax error/);
});

test('a module after a broken one is skipped without a second, cascading error', () => {
  const { diagnostics } = parse('backbone:\n  - [-1, 1, Nope, [8]]\n  - [-1, 1, Conv, [8]]\n  - [[-1, 0], 1, Concat, [1]]\n');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].line, 2);
});
