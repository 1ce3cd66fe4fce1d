// A `trainer: yolov5` experiment is counted as YOLOv5 builds it — the dataset YAML's classes, the
// experiment's yolov5.img — by the Modules view, `transfer-lab modules` and run.json alike, and no
// frozen-prefix cache speed-up is predicted for it (train.py has none). Reference figures printed
// by YOLOv5 v7.0 itself (models.yolo.Model('models/yolov5n.yaml', nc=2)): 1,766,623 parameters,
// 720,255 left trainable by --freeze 10; at 96 px Detect outputs 567 boxes of 2 + 5 values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatModulesTable, type ModulesReport } from '../../src/trainer/cli/modulesTable';
import { estimateCost } from '../../src/trainer/cost/estimateCost';
import { loadExperiment } from '../../src/shared/experiment/parse';
import { loadExperimentModel, modelInputFor } from '../../src/shared/model/experimentModel';
import { treeDescription, treeRows } from '../../src/extension/modules/treeRows';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { yolov5DatasetClasses } from '../../src/shared/yolov5/datasetClasses';
import { runCli } from '../support/trainerCli';
import { yolov5Project } from '../support/yolov5Project';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-input-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let count = 0;
const root = (): string => path.join(tmp, `w${++count}`);

const TOTAL = 1_766_623;
const TRAINABLE_FREEZE_10 = 720_255;

test("the Modules view, `transfer-lab modules` and run.json count the dataset's nc 2 at yolov5.img 96, not the model YAML's nc 80 at 640", async () => {
  const p = yolov5Project(root());
  const exp = await loadExperiment(p.experiment);

  // The view: the rows and description it renders come from this summary.
  const { summary, diagnostics } = await loadExperimentModel(exp, { text: readFileSync(p.experiment, 'utf8') });
  assert.deepEqual(diagnostics, []);
  assert.equal(summary!.nc, 2);
  assert.equal(treeDescription(summary!, exp.freeze), '720K trainable');
  assert.equal(treeDescription(summary!, 0), 'all 1.77M trainable');
  const rows = treeRows(summary!, exp.freeze);
  assert.match(rows[0].description, /· 48×48×16$/, 'module 0 at 96 px');
  assert.match(rows[24].description, /^9\.47K params · 567×7$/, 'Detect: 567 boxes × (2 classes + 5)');

  // `transfer-lab modules`, as a user runs it.
  const r = runCli(['modules', p.experiment, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ModulesReport;
  assert.deepEqual([report.total, report.trainable], [TOTAL, TRAINABLE_FREEZE_10]);
  assert.deepEqual(report.modules[24].outShape, [567, 7]);
  assert.deepEqual(report.diagnostics, []);

  // run.json of a run (through the stand-in train.py).
  const t = runCli(['train', p.experiment, '--json', '--name', 'r1']);
  assert.equal(t.code, 0, t.stderr.slice(-1500));
  const rec = JSON.parse(readFileSync(path.join(p.proj, 'runs', 'r1', 'run.json'), 'utf8')) as RunRecord;
  assert.deepEqual([rec.totalParams, rec.trainableParams], [TOTAL, TRAINABLE_FREEZE_10]);
});

test('no frozen-prefix cache speed-up is predicted for a YOLOv5 experiment: train.py has none', async () => {
  const p = yolov5Project(root());
  const r = runCli(['modules', p.experiment, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ModulesReport;
  assert.equal(report.cost!.cache.applies, false);
  assert.match(report.cost!.cache.reason, /YOLOv5's train\.py has no frozen-prefix cache/);
  assert.equal(report.cost!.cache.speedupVsFull, undefined);
  assert.ok(report.modules.every((m) => report.cost!.modules[m.index].cached === false));
  const table = formatModulesTable(report);
  assert.match(table, /predicted step time: [\d.]+x faster than training everything$/m, 'the speed-up of freezing itself stays');
  assert.doesNotMatch(table, /frozen-prefix cache/);

  // The same model and freeze under Transfer Lab's own trainer would use the cache: the option is what differs.
  const { summary } = await loadExperimentModel(await loadExperiment(p.experiment));
  assert.equal(estimateCost(summary!, 10, 16).cache.applies, true);
  assert.equal(estimateCost(summary!, 10, 16, { noPrefixCache: 'no cache here' }).cache.applies, false);
});

test('yolov5.img becomes the size YOLOv5 trains at (check_img_size), with a warning at its line', async () => {
  for (const [img, trained] of [
    [100, 128],
    [40, 64],
  ]) {
    const p = yolov5Project(root(), { yolov5: ['data: shapes.yaml', 'weights: yolov5n.pt', `img: ${img}`] });
    const exp = await loadExperiment(p.experiment);
    const input = await modelInputFor(exp);
    assert.equal(input.imgsz, trained);
    assert.deepEqual(input.imgszAt, { file: p.experiment, line: 8, column: 8, setting: 'yolov5.img' });
    assert.equal(input.notes.length, 1);
    assert.deepEqual([input.notes[0].line, input.notes[0].severity], [8, 'warning']);
    assert.match(
      input.notes[0].message,
      new RegExp(`yolov5\\.img ${img} is not a multiple of the model's largest stride 32.*YOLOv5 trains at ${trained}`),
    );
    const { summary, diagnostics } = await loadExperimentModel(exp);
    assert.equal(diagnostics.filter((d) => d.severity === 'error').length, 0, JSON.stringify(diagnostics));
    assert.deepEqual(summary!.modules[0].outShape, [trained / 2, trained / 2, 16]);
  }
  // Without yolov5.img: train.py's default 640.
  const p = yolov5Project(root(), { yolov5: ['data: shapes.yaml', 'weights: yolov5n.pt'] });
  assert.equal((await modelInputFor(await loadExperiment(p.experiment))).imgsz, 640);
});

test('--single-cls builds one class; a dataset YAML that cannot be read is said at yolov5.data', async () => {
  const single = yolov5Project(root(), { yolov5: ['data: shapes.yaml', 'weights: yolov5n.pt', 'img: 96', 'extra: [--single-cls]'] });
  assert.equal((await modelInputFor(await loadExperiment(single.experiment))).nc, 1);

  const missing = yolov5Project(root(), { yolov5: ['data: nowhere.yaml', 'weights: yolov5n.pt', 'img: 96'] });
  const { summary, diagnostics } = await loadExperimentModel(await loadExperiment(missing.experiment));
  assert.equal(summary!.nc, 80, "the model YAML's nc, said so");
  assert.equal(diagnostics.length, 1);
  assert.deepEqual([diagnostics[0].file, diagnostics[0].line, diagnostics[0].severity], [missing.experiment, 6, 'warning']);
  assert.match(
    diagnostics[0].message,
    /class count not read \(nowhere\.yaml was not found in .*\): the parameter counts use the nc of model\.yaml/,
  );
});

test('dataset classes as YOLOv5 v7.0 reads them: the names count, whatever nc says', async () => {
  const dir = root();
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const disagree = await yolov5DatasetClasses(dir, write('a.yaml', 'nc: 3\nnames: [square, disc]\n'));
  assert.equal(disagree.nc, 2);
  assert.deepEqual(disagree.names, ['square', 'disc']);
  assert.match(disagree.problem!, /says nc: 3 but lists 2 names; YOLOv5 v7\.0 uses the 2 names/);
  const mapping = await yolov5DatasetClasses(dir, write('b.yaml', 'names:\n  1: disc\n  0: square\n  2: star\n'));
  assert.deepEqual([mapping.nc, mapping.names], [3, ['square', 'disc', 'star']]);
  assert.deepEqual(await yolov5DatasetClasses(dir, write('c.yaml', 'nc: 4\n')), { nc: 4, file: path.join(dir, 'c.yaml') });
  assert.match((await yolov5DatasetClasses(dir, 'https://example.com/data.zip')).problem!, /fetched or unpacked by YOLOv5 itself/);
});

test('a dataset YAML that is there but cannot be read is named as such, not searched past', async () => {
  const dir = root();
  mkdirSync(path.join(dir, 'data', 'set.yaml'), { recursive: true });
  writeFileSync(path.join(dir, 'data', 'other.yaml'), 'names: [a, b]\n');
  // folder/data/set.yaml is a folder; YOLOv5 would not read it either.
  const got = await yolov5DatasetClasses(dir, 'data/set.yaml');
  assert.equal(got.nc, undefined);
  assert.equal(got.file, path.join(dir, 'data', 'set.yaml'));
  assert.match(got.problem!, /set\.yaml cannot be read \(EISDIR/);
  // Absent from the first place YOLOv5 looks (folder/other.yaml), found in the second: no problem.
  const found = await yolov5DatasetClasses(dir, 'other.yaml');
  assert.deepEqual([found.names, found.problem], [['a', 'b'], undefined]);
});
