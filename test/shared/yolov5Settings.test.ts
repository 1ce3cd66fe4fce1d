// `trainer: yolov5` and the `yolov5:` section through the experiment parser: valid settings, data:
// optional only for YOLOv5, and every mistake reported at its line with what to write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { trainPyArgs, resumeArgs } from '../../src/trainer/yolov5/trainPyArgs';
import { usesYolov5, yolov5SettingsOf, Yolov5SettingsError } from '../../src/shared/yolov5/settings';

const FILE = path.resolve('/w/proj/det.experiment.yaml');

const GOOD = `trainer: yolov5
model: ../yolov5/models/yolov5s.yaml
freeze: 10
yolov5:
  folder: ../yolov5
  python: ../venv/bin/python
  data: coco128.yaml
  weights: yolov5s.pt
  img: 640
  epochs: 50
  batch: -1
  hyp: data/hyps/hyp.scratch-low.yaml
  extra: [--device, 0, --workers, '8', --cache]
`;

test('a YOLOv5 experiment parses without data:, its settings resolved against the file', () => {
  const { experiment, diagnostics } = parseExperiment(GOOD, FILE);
  assert.deepEqual(diagnostics, []);
  assert.ok(experiment);
  assert.deepEqual(experiment.data, { source: 'external', section: 'trainer' });
  assert.ok(usesYolov5(experiment));
  const s = yolov5SettingsOf(experiment);
  assert.deepEqual(s, {
    folder: path.resolve('/w/yolov5'),
    python: path.resolve('/w/venv/bin/python'),
    data: 'coco128.yaml',
    weights: 'yolov5s.pt',
    hyp: 'data/hyps/hyp.scratch-low.yaml',
    img: 640,
    epochs: 50,
    batch: -1,
    extra: ['--device', '0', '--workers', '8', '--cache'],
  });
  assert.deepEqual(trainPyArgs(s, { runsDir: '/w/proj/runs', name: 'r1', cfg: experiment.model, freeze: experiment.freeze }), [
    'train.py',
    '--data',
    'coco128.yaml',
    '--weights',
    'yolov5s.pt',
    '--cfg',
    path.resolve('/w/yolov5/models/yolov5s.yaml'),
    '--hyp',
    'data/hyps/hyp.scratch-low.yaml',
    '--img',
    '640',
    '--epochs',
    '50',
    '--batch-size',
    '-1',
    '--freeze',
    '10',
    '--project',
    '/w/proj/runs',
    '--name',
    'r1',
    '--exist-ok',
    '--device',
    '0',
    '--workers',
    '8',
    '--cache',
  ]);
  assert.deepEqual(trainPyArgs({ folder: '/y', extra: [] }, { runsDir: '/r', name: 'n', cfg: '/m.yaml', freeze: [7], epochs: 3 }), [
    'train.py',
    '--cfg',
    '/m.yaml',
    '--epochs',
    '3',
    '--freeze',
    '7',
    '7',
    '--project',
    '/r',
    '--name',
    'n',
    '--exist-ok',
  ]);
  assert.deepEqual(resumeArgs('/r/n/weights/last.pt'), ['train.py', '--resume', '/r/n/weights/last.pt']);
  const named = yolov5SettingsOf(parseExperiment(GOOD.replace('../venv/bin/python', 'python3.11'), FILE).experiment!);
  assert.equal(named.python, 'python3.11', 'a command name is looked up on PATH, not resolved as a path');
});

test("without trainer: yolov5, data: stays required and the built-in trainer's rules apply", () => {
  const noTrainer = GOOD.replace('trainer: yolov5\n', '');
  const r = parseExperiment(noTrainer, FILE);
  assert.equal(r.experiment, undefined);
  assert.match(r.diagnostics.find((d) => d.severity === 'error')!.message, /missing required key `data:`/);
  const builtIn = parseExperiment(GOOD.replace('trainer: yolov5', 'trainer: transfer-lab'), FILE);
  assert.match(builtIn.diagnostics.find((d) => d.severity === 'error')!.message, /missing required key `data:`/);
});

function errors(text: string): Array<{ line: number; message: string }> {
  return parseExperiment(text, FILE)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ line: d.line, message: d.message }));
}

test('mistakes in the section are errors at their line, saying what to write', () => {
  const cases: Array<[string, number, RegExp]> = [
    [GOOD.replace('trainer: yolov5', 'trainer: yolo5'), 1, /trainer must be yolov5 .* or transfer-lab/],
    [GOOD.replace('  folder: ../yolov5\n', ''), 5, /yolov5 needs `folder:` — the YOLOv5 checkout holding train\.py/],
    [GOOD.replace('epochs: 50', 'epochs: many'), 10, /yolov5\.epochs must be a whole number ≥ 1/],
    [GOOD.replace('batch: -1', 'batch: 0'), 11, /yolov5\.batch must be a whole number ≥ 1 \(or -1 for YOLOv5's autobatch\)/],
    [GOOD.replace('img: 640', 'img: 16'), 9, /yolov5\.img must be a whole number ≥ 32/],
    [GOOD.replace('  hyp:', '  hyps:'), 12, /unknown key 'hyps' in yolov5 .*extra/],
    [GOOD.replace('--device, 0,', '--device, 0, --freeze, 3,'), 13, /--freeze cannot go in yolov5\.extra: use the experiment's `freeze:`/],
    [GOOD.replace('--cache]', '--project=elsewhere]'), 13, /--project cannot go in yolov5\.extra/],
    [
      GOOD.replace("  extra: [--device, 0, --workers, '8', --cache]", '  extra: {device: 0}'),
      13,
      /yolov5\.extra must be a list of train\.py arguments/,
    ],
    [GOOD.replace('  data: coco128.yaml', '  data: 12'), 7, /yolov5\.data must be the dataset YAML/],
    [`trainer: yolov5\nmodel: m.yaml\nyolov5: ../yolov5\n`, 3, /yolov5 must be a mapping with at least `folder:`/],
  ];
  for (const [text, line, re] of cases) {
    const errs = errors(text);
    assert.ok(
      errs.some((e) => e.line === line && re.test(e.message)),
      `expected ${re} at line ${line}, got ${JSON.stringify(errs)}`,
    );
  }
});

test('a string extra is split on spaces; no weights gives a warning naming the default', () => {
  const text = GOOD.replace("  extra: [--device, 0, --workers, '8', --cache]", '  extra: --device 0 --cos-lr').replace(
    '  weights: yolov5s.pt\n',
    '',
  );
  const r = parseExperiment(text, FILE);
  assert.ok(r.experiment);
  assert.deepEqual(yolov5SettingsOf(r.experiment).extra, ['--device', '0', '--cos-lr']);
  const w = r.diagnostics.find((d) => d.severity === 'warning');
  assert.match(w?.message ?? '', /no `weights:`.*yolov5s\.pt/);
});

test('trainer: yolov5 without a yolov5: section parses (data: comes from YOLOv5) but names what is missing when used', () => {
  const r = parseExperiment('trainer: yolov5\nmodel: m.yaml\n', FILE);
  assert.ok(r.experiment);
  assert.throws(
    () => yolov5SettingsOf(r.experiment!),
    (e: unknown) => e instanceof Yolov5SettingsError && /needs a yolov5: section with at least `folder:`/.test(e.message),
  );
});
