// The experiment parser: defaults, path resolution, and a diagnostic at the right line for every
// kind of mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExperimentError, loadExperiment, parseExperiment, TRAIN_DEFAULTS } from '../../src/shared/experiment/parse';
import { TRAIN_KEYS } from '../../src/shared/experiment/readTrain';
import { SCAFFOLD_EXPERIMENT, SCAFFOLD_MODEL, SCAFFOLD_MODEL_FILE } from '../../src/extension/experiment/scaffold';
import { isExperimentFile } from '../../src/extension/experiment/find';
import { lineOf, parseYamlDocument } from '../../src/shared/experiment/yamlPositions';
import { loadModelSummary } from '../../src/shared/model/load';
import { validateFreeze } from '../../src/shared/freeze';
import type { FileDiagnostic } from '../../src/shared/experiment/types';

const FILE = path.resolve('/work/exp/digits.experiment.yaml');

function errors(text: string): FileDiagnostic[] {
  return parseExperiment(text, FILE).diagnostics.filter((d) => d.severity === 'error');
}

/** The single error for `text`, asserting its line and that its message mentions `fragment`. */
function oneError(text: string, line: number, fragment: RegExp): FileDiagnostic {
  const errs = errors(text);
  assert.equal(errs.length, 1, `one error expected, got: ${JSON.stringify(errs)}`);
  assert.equal(errs[0].line, line, `line of: ${errs[0].message}`);
  assert.match(errs[0].message, fragment);
  assert.equal(errs[0].file, FILE);
  return errs[0];
}

const MINIMAL = 'model: model.yaml\ndata:\n  source: mnist\n  classes: [3, 5]\n';

test('defaults fill train and freeze; paths resolve against the file folder', () => {
  const { experiment, diagnostics } = parseExperiment(MINIMAL, FILE);
  assert.deepEqual(diagnostics, []);
  assert.ok(experiment);
  assert.equal(experiment.file, FILE);
  assert.equal(experiment.model, path.resolve('/work/exp/model.yaml'));
  assert.deepEqual(experiment.data, { source: 'mnist', classes: [3, 5] });
  assert.deepEqual(experiment.train, { epochs: 10, batch: 32, optimizer: 'adam', lr: 0.001, seed: 0, imgsz: 28 });
  assert.equal(experiment.freeze, 0);
  assert.equal(experiment.weights, undefined);
});

test("python: a path resolves against the file's folder, a command name stays a command (the torch engine's interpreter)", () => {
  const base = ['model: m.yaml', 'data: {source: folder, path: images}'];
  const rel = parseExperiment([...base, 'python: .venv/bin/python'].join('\n'), FILE).experiment!;
  assert.equal(rel.python, path.resolve(path.dirname(FILE), '.venv/bin/python'));
  assert.equal(parseExperiment([...base, 'python: python3.11'].join('\n'), FILE).experiment!.python, 'python3.11');
  assert.equal(parseExperiment(base.join('\n'), FILE).experiment!.python, undefined);
  assert.deepEqual(
    parseExperiment([...base, 'python: 3'].join('\n'), FILE).diagnostics.map((d) => d.severity),
    ['error'],
  );
});

test('folder data defaults imgsz to 32 and resolves data, weights and pretrain paths', () => {
  const text = [
    'name: flowers',
    'model: ../models/net.json',
    'weights: runs/pre/weights/best/model.json',
    'pretrain: pre.experiment.yaml',
    'data: {source: folder, path: images, strict: true}',
    'train: {epochs: 3, optimizer: sgd, lr: 1e-2}',
    "freeze: [0, 2, 'model.3.bn']",
  ].join('\n');
  const { experiment, diagnostics } = parseExperiment(text, FILE);
  assert.deepEqual(diagnostics, []);
  assert.ok(experiment);
  assert.equal(experiment.name, 'flowers');
  assert.equal(experiment.model, path.resolve('/work/models/net.json'));
  assert.equal(experiment.weights, path.resolve('/work/exp/runs/pre/weights/best/model.json'));
  assert.equal(experiment.pretrain, path.resolve('/work/exp/pre.experiment.yaml'));
  assert.deepEqual(experiment.data, { source: 'folder', path: path.resolve('/work/exp/images'), strict: true });
  assert.deepEqual(experiment.train, { epochs: 3, batch: 32, optimizer: 'sgd', lr: 0.01, seed: 0, imgsz: 32 });
  assert.deepEqual(experiment.freeze, [0, 2, 'model.3.bn']);
});

test("broken YAML gives one diagnostic at js-yaml's line and column", () => {
  const text = 'model: model.yaml\ndata:\n  source: mnist\n  classes: [0, 1\nfreeze: 3\n';
  const { experiment, diagnostics } = parseExperiment(text, FILE);
  assert.equal(experiment, undefined);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 'error');
  assert.equal(diagnostics[0].line, 5);
  assert.equal(diagnostics[0].column, 1);
  assert.match(diagnostics[0].message, /YAML syntax error/);
  // A tab in indentation, a duplicated key: both at their own line.
  assert.equal(parseExperiment('model: a.yaml\ndata:\n\tsource: mnist\n', FILE).diagnostics[0].line, 3);
  const dup = parseExperiment('model: a.yaml\nmodel: b.yaml\n', FILE).diagnostics[0];
  assert.equal(dup.line, 2);
  assert.match(dup.message, /duplicated mapping key/);
});

test('every validation error points at the offending line', () => {
  const base = (extra: string) => `model: model.yaml\ndata:\n  source: mnist\n  classes: [0, 1]\n${extra}`;
  oneError(base('train:\n  epochs: ten\n'), 6, /train\.epochs must be a whole number ≥ 1.*got 'ten'/);
  oneError(base('train:\n  epochs: 0\n'), 6, /train\.epochs/);
  oneError(base('train:\n  batch: 2.5\n'), 6, /train\.batch/);
  oneError(base('train:\n  optimizer: rmsprop\n'), 6, /adam or sgd.*'rmsprop'/);
  oneError(base('train:\n  lr: -1\n'), 6, /train\.lr must be a positive learning rate/);
  oneError(base('train:\n  seed: -3\n'), 6, /train\.seed/);
  oneError(base('train:\n  imgsz: 4\n'), 6, /train\.imgsz must be a whole number from 8 to 4096/);
  oneError(base('train:\n  epoch: 5\n'), 6, /unknown key 'epoch' in train; did you mean 'epochs'\?/);
  oneError(base('train: 5\n'), 5, /train must be a mapping/);
  oneError(base('freeze: -2\n'), 5, /freeze must be a whole number ≥ 0/);
  oneError(base('freeze: ten\n'), 5, /freeze must be a number or a list/);
  oneError(base('freeze:\n  - 0\n  - 1.5\n'), 7, /freeze\[1\] must be a module index/);
  oneError(base('name: 3\n'), 5, /name must be a non-empty text/);
  oneError(base('weights: [a]\n'), 5, /weights must be the path/);
  oneError(base('pretrain: other.txt\n'), 5, /pretrain must name another experiment file/);
  oneError(
    'model: net.h5\ndata: {source: mnist, classes: [0, 1]}\n',
    1,
    /model must name a \.yaml\/\.yml architecture file, a TensorFlow\.js model\.json or a torchvision builder/,
  );
  oneError('data: {source: mnist, classes: [0, 1]}\n', 1, /missing required key `model:`/);
  oneError('model: m.yaml\n', 1, /missing required key `data:`/);
  oneError('model: m.yaml\ndata: mnist\n', 2, /data must be a mapping/);
  oneError('model: m.yaml\ndata:\n  source: s3\n', 3, /data\.source must be mnist or folder, got 's3'/);
  oneError('model: m.yaml\ndata:\n  classes: [1, 2]\n', 2, /data needs `source: mnist` or `source: folder`/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n', 2, /needs `classes:`/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n  classes: [1]\n', 4, /at least two digits/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n  classes:\n    - 1\n    - 12\n', 6, /data\.classes\[1\] must be a digit 0–9, got 12/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n  classes: [1, 2, 1]\n', 4, /digit 1 is listed twice/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n  classes: [1, 2]\n  limit: 0\n', 5, /data\.limit/);
  oneError('model: m.yaml\ndata:\n  source: mnist\n  classes: [1, 2]\n  valFraction: 1.5\n', 5, /between 0 and 1/);
  oneError(
    'model: m.yaml\ndata:\n  source: mnist\n  classes: [1, 2]\n  lmit: 5\n',
    5,
    /unknown key 'lmit' in data; did you mean 'limit'\?/,
  );
  oneError('model: m.yaml\ndata:\n  source: folder\n', 2, /needs `path:`/);
  oneError('model: m.yaml\ndata:\n  source: folder\n  path: imgs\n  strict: yes\n', 5, /data\.strict must be true or false/);
  oneError('', 1, /the experiment file is empty/);
  oneError('- a\n- b\n', 1, /must be a mapping of keys/);
});

test('unknown top-level keys are warnings (extensible), with a suggestion and the raw value kept', () => {
  const { experiment, diagnostics } = parseExperiment(`${MINIMAL}notes: {kind: slurm}\nfreez: 3\n`, FILE);
  assert.ok(experiment, 'warnings do not stop parsing');
  assert.deepEqual(
    diagnostics.map((d) => [d.severity, d.line]),
    [
      ['warning', 5],
      ['warning', 6],
    ],
  );
  assert.match(diagnostics[1].message, /unknown key 'freez' is ignored; did you mean 'freeze'\?/);
  assert.deepEqual(experiment.extra, { notes: { kind: 'slurm' }, freez: 3 });
});

test('a section passed to the parser is checked by its owner and not reported as unknown', () => {
  const section = {
    key: 'slurmtest',
    check(value: unknown, report: { error(p: Array<string | number>, m: string): void }) {
      const v = value as Record<string, unknown>;
      if (typeof v.partition !== 'string') report.error(['partition'], 'slurmtest.partition must be a text');
    },
  };
  const sections = [section];
  const ok = parseExperiment(`${MINIMAL}slurmtest:\n  partition: gpu\n`, FILE, { sections });
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.experiment?.extra, { slurmtest: { partition: 'gpu' } });
  const bad = parseExperiment(`${MINIMAL}slurmtest:\n  partition: 7\n`, FILE, { sections });
  assert.equal(bad.experiment, undefined);
  assert.deepEqual(
    bad.diagnostics.map((d) => [d.line, d.message]),
    [[6, 'slurmtest.partition must be a text']],
  );
  // Per call only: the next parse does not know it.
  const later = parseExperiment(`${MINIMAL}slurmtest:\n  partition: 7\n`, FILE);
  assert.deepEqual(
    later.diagnostics.map((d) => d.severity),
    ['warning'],
  );
});

test('trainer:, yolov5:, executor: and slurm: are known to every parse, whatever the process imported', () => {
  // This file imports the parser alone. When sections registered themselves on import, these keys
  // were "unknown" here and a YOLOv5 experiment without data: was an error.
  const yolo = parseExperiment('trainer: yolov5\nmodel: m.yaml\nyolov5:\n  folder: ../yolov5\n  weights: yolov5s.pt\n', FILE);
  assert.deepEqual(yolo.diagnostics, []);
  assert.deepEqual(yolo.experiment?.data, { source: 'external', section: 'trainer' });
  const slurm = parseExperiment(`${MINIMAL}executor: slurm\nslurm:\n  gpus: many\n`, FILE);
  assert.equal(slurm.experiment, undefined);
  assert.deepEqual(
    slurm.diagnostics.map((d) => [d.severity, d.line]),
    [['error', 7]],
  );
  assert.match(slurm.diagnostics[0].message, /gpus/);
});

test('loadExperiment throws ExperimentError naming file:line:column and the fix', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-exp-'));
  try {
    const file = path.join(dir, 'experiment.yaml');
    await writeFile(file, 'model: model.yaml\ndata:\n  source: mnist\n  classes: [0, 1]\ntrain:\n  epochs: many\n');
    await assert.rejects(loadExperiment(file), (e: unknown) => {
      assert.ok(e instanceof ExperimentError);
      assert.equal(e.diagnostics.length, 1);
      assert.match(
        e.message,
        new RegExp(`^${escape(file)}:6:11: error: train\\.epochs must be a whole number ≥ 1, e\\.g\\. \`epochs: 10\``),
      );
      return true;
    });
    await assert.rejects(
      loadExperiment(path.join(dir, 'missing.yaml')),
      /missing\.yaml:1:1: error: cannot read the experiment file: the file does not exist/,
    );
    await writeFile(file, MINIMAL);
    const exp = await loadExperiment(file);
    assert.equal(exp.model, path.join(dir, 'model.yaml'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('lineOf maps key paths to lines (key or value), falling back to the nearest ancestor', () => {
  const text = 'train:\n  epochs: 5\nbackbone:\n  - [-1, 1, Conv, [16]]\n  -\n    [-1, 1, C3, [32]]\n';
  const { doc } = parseYamlDocument(text, 'x.yaml');
  assert.ok(doc);
  assert.equal(lineOf(doc, ['train', 'epochs']), 2);
  assert.equal(lineOf(doc, ['backbone', 0]), 4);
  assert.equal(lineOf(doc, ['backbone', 1]), 6);
  assert.equal(lineOf(doc, ['backbone', 1], 'key'), 6, 'sequence items have no key: the item itself');
  assert.equal(lineOf(doc, ['train', 'batch']), 1, 'missing key: its parent key');
});

test('the scaffold pair parses cleanly: experiment, model, and its freeze value', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-scaffold-'));
  try {
    const expFile = path.join(dir, 'experiment.yaml');
    await writeFile(expFile, SCAFFOLD_EXPERIMENT);
    await writeFile(path.join(dir, SCAFFOLD_MODEL_FILE), SCAFFOLD_MODEL);
    assert.match(SCAFFOLD_EXPERIMENT, /^#/, 'commented for a new user');
    const exp = await loadExperiment(expFile);
    assert.equal(exp.data.source, 'mnist');
    assert.equal(exp.model, path.join(dir, 'model.yaml'));
    assert.deepEqual(parseExperiment(SCAFFOLD_EXPERIMENT, expFile).diagnostics, []);
    const classes = exp.data.source === 'mnist' ? exp.data.classes.length : 0;
    const { summary, diagnostics } = await loadModelSummary(exp.model, { nc: classes, imgsz: exp.train.imgsz, ch: 1 });
    assert.deepEqual(diagnostics, []);
    assert.ok(summary);
    assert.ok(summary.backboneLength! >= 1 && summary.backboneLength! < summary.modules.length, 'has a backbone and a head');
    const last = summary.modules[summary.modules.length - 1];
    assert.deepEqual(last.outShape, [classes], 'the head outputs one score per class');
    assert.deepEqual(validateFreeze(summary, exp.freeze), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('isExperimentFile accepts experiment.yaml and *.experiment.yaml only', () => {
  assert.ok(isExperimentFile('/w/experiment.yaml'));
  assert.ok(isExperimentFile('/w/sub/freeze-sweep.experiment.yaml'));
  assert.ok(isExperimentFile('C:\\w\\a.experiment.yaml'));
  assert.ok(!isExperimentFile('/w/.experiment.yaml'));
  assert.ok(!isExperimentFile('/w/model.yaml'));
  assert.ok(!isExperimentFile('/w/experiment.yml'));
  assert.ok(!isExperimentFile('/w/my-experiment.yaml'));
  assert.ok(!isExperimentFile('/w/experiment.yaml.bak'));
});

test('schemas/experiment.schema.json describes the keys and defaults the parser uses', () => {
  const schemaFile = path.resolve(__dirname, '../../../schemas/experiment.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
    $schema: string;
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, { description?: string; properties?: Record<string, { default?: unknown; description?: string }> }>;
  };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(Object.keys(schema.properties).sort(), [
    'data',
    'executor',
    'freeze',
    'model',
    'name',
    'pretrain',
    'python',
    'slurm',
    'train',
    'trainer',
    'weights',
    'yolov5',
  ]);
  // data: is required unless YOLOv5's train.py trains (`trainer: yolov5` reads its own data).
  assert.deepEqual(schema.required, ['model']);
  assert.deepEqual((schema as unknown as { else: { required: string[] } }).else.required, ['data']);
  assert.equal(schema.additionalProperties, true, 'other features add top-level sections');
  const train = schema.properties.train.properties!;
  for (const [key, value] of Object.entries(TRAIN_DEFAULTS)) assert.equal(train[key].default, value, `train.${key} default`);
  assert.deepEqual(Object.keys(train).sort(), [...TRAIN_KEYS].sort());
  for (const [key, prop] of Object.entries(schema.properties)) assert.ok(prop.description, `${key} has a description for completion`);
});
