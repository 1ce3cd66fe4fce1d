// `transfer-lab modules`: the report, the aligned table, and --freeze parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatModulesTable, modulesReport, parseFreezeArg } from '../../src/trainer/cli/modulesTable';
import { loadExperiment } from '../../src/shared/experiment/parse';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/models');

async function workspace(experiment: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tl-modules-'));
  await copyFile(path.join(FIXTURES, 'yolov5s.yaml'), path.join(dir, 'yolov5s.yaml'));
  const file = path.join(dir, 'detect.experiment.yaml');
  await writeFile(file, experiment);
  return { dir, file };
}

test("modulesReport for yolov5s with the experiment's freeze, and the table", async () => {
  const { dir, file } = await workspace('model: yolov5s.yaml\ndata:\n  source: folder\n  path: voc\ntrain:\n  imgsz: 640\nfreeze: 10\n');
  try {
    // 3 class folders: the Detect head is sized for nc = 3
    for (const c of ['cat', 'dog', 'bird']) await mkdir(path.join(dir, 'voc', 'train', c), { recursive: true });
    const exp = await loadExperiment(file);
    const report = await modulesReport(exp);
    assert.deepEqual(report.diagnostics, []);
    assert.equal(report.modules.length, 25);
    assert.equal(report.modules[24].params, (128 + 256 + 512) * 24 + 3 * 24);
    assert.deepEqual(
      report.modules.slice(8, 12).map((m) => m.frozen),
      ['yes', 'yes', 'no', 'no'],
    );
    assert.deepEqual(report.modules[0].outShape, [320, 320, 32]);
    assert.equal(
      report.total - report.trainable,
      report.modules.slice(0, 10).reduce((a, m) => a + m.params, 0),
    );

    const table = formatModulesTable(report);
    const lines = table.split('\n');
    assert.match(lines[0], /^ #\s+module\s+type\s+params\s+frozen\s+output$/);
    assert.match(lines[2], /^ 0\s+model\.0\s+Conv\s+3,520\s+yes\s+320x320x32$/);
    assert.equal(new Set(lines.slice(2, 27).map((l) => l.indexOf('model.'))).size, 1, 'module column aligned');
    assert.equal(new Set(lines.slice(2, 27).map((l) => l.search(/\d\s+(yes|no|partial)/))).size, 1, 'params right-aligned');
    assert.match(table, /trainable: [\d,]+ of [\d,]+ parameters \(\d+\.\d% frozen\)/);

    const partial = await modulesReport(exp, parseFreezeArg("[0, 'model.2.cv1']"));
    assert.deepEqual(
      partial.modules.slice(0, 3).map((m) => m.frozen),
      ['yes', 'no', 'partial'],
    );

    const bad = await modulesReport(exp, parseFreezeArg('40'));
    assert.equal(bad.diagnostics.length, 1);
    assert.match(formatModulesTable(bad), /--freeze: error: freeze 40 is more than the 25 modules/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bad freeze in the experiment is reported at its line; a broken model gives its diagnostic', async () => {
  const { dir, file } = await workspace('model: yolov5s.yaml\ndata: {source: mnist, classes: [0, 1]}\n\nfreeze: [3, 77]\n');
  try {
    const report = await modulesReport(await loadExperiment(file));
    assert.equal(report.diagnostics.length, 1);
    assert.deepEqual([report.diagnostics[0].file, report.diagnostics[0].line], [file, 4]);
    assert.match(formatModulesTable(report), new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:4:1: error: freeze index 77`));

    await writeFile(path.join(dir, 'yolov5s.yaml'), 'backbone:\n  - [-1, 1, Conv, [16, 3, 1]]\n  - [-1, 1, Bogus, []]\n');
    const broken = await modulesReport(await loadExperiment(file));
    assert.deepEqual(broken.modules, []);
    assert.equal(broken.diagnostics[0].line, 3);
    assert.match(formatModulesTable(broken), /yolov5s\.yaml:3:5: error: module 1 \(Bogus\): unknown module/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a later freeze-schedule phase naming no module is reported at its own line, with the first phase in force', async () => {
  const { dir, file } = await workspace(
    'model: yolov5s.yaml\ndata: {source: mnist, classes: [0, 1]}\nfreeze:\n  schedule:\n    - {epochs: 2, freeze: 10}\n    - freeze: [3, 77]\n',
  );
  try {
    const report = await modulesReport(await loadExperiment(file));
    assert.equal(report.freeze, 10);
    assert.equal(report.diagnostics.length, 1, JSON.stringify(report.diagnostics));
    assert.match(formatModulesTable(report), new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:6:15: error: phase 2: freeze index 77`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parseFreezeArg: counts, comma lists, YAML lists and names; clear errors', () => {
  assert.equal(parseFreezeArg('10'), 10);
  assert.equal(parseFreezeArg(' 0 '), 0);
  assert.deepEqual(parseFreezeArg('0,1,2'), [0, 1, 2]);
  assert.deepEqual(parseFreezeArg('5,'), [5]);
  assert.deepEqual(parseFreezeArg("[0, 'model.3.bn']"), [0, 'model.3.bn']);
  assert.deepEqual(parseFreezeArg('[]'), []);
  assert.deepEqual(parseFreezeArg('model.3.bn'), ['model.3.bn']);
  assert.deepEqual(parseFreezeArg("0,'model.3.bn'"), [0, 'model.3.bn']);
  assert.throws(() => parseFreezeArg(''), /--freeze needs a value/);
  assert.throws(() => parseFreezeArg('-1'), /-1 is neither a module index ≥ 0 nor a name/);
  assert.throws(() => parseFreezeArg('[0, 1'), /not a valid list/);
  assert.throws(() => parseFreezeArg('[1.5]'), /1\.5 is neither/);
  assert.throws(() => parseFreezeArg('[{a: 1}]'), /neither a module index/);
});
