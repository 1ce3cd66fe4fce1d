// Absurd sizes are refused while the model YAML is parsed — before anything is allocated — with the
// module and the setting to change, at that setting's line: width_multiple, depth_multiple, a row's
// number or channels, the experiment's image size. `transfer-lab modules`, `transfer-lab train` and
// a YOLOv5 run all stop there with a non-zero exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModulesReport } from '../../src/trainer/cli/modulesTable';
import type { FileDiagnostic } from '../../src/shared/experiment/types';
import { parseYoloModel } from '../../src/shared/model/yolo';
import { MAX_PARAMS, MAX_REPEATS } from '../../src/shared/model/sizeLimits';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { prepareModel } from '../../src/trainer/model/prepareModel';
import { MNIST_01, TINY_MODEL, writeExperiment } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';
import { UNIT_FIXTURES, yolov5Project } from '../support/yolov5Project';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-size-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const YOLOV5N = readFileSync(path.join(UNIT_FIXTURES, 'yolov5n.yaml'), 'utf8');

/** yolov5n.yaml with one top-level setting replaced. */
function yolov5nWith(key: string, value: string): string {
  const out = YOLOV5N.replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: ${value}`);
  assert.notEqual(out, YOLOV5N);
  return out;
}

function lineOf(text: string, start: string): number {
  return text.split('\n').findIndex((l) => l.startsWith(start)) + 1;
}

function onlyError(diagnostics: FileDiagnostic[]): FileDiagnostic {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(diagnostics));
  assert.equal(errors[0].code, 'size-limit');
  return errors[0];
}

test('width_multiple 1e9 and 1e6: an error at width_multiple naming the module, and no model; real YOLOv5 models pass', () => {
  for (const w of ['1000000000', '1000000']) {
    const text = yolov5nWith('width_multiple', w);
    const { summary, diagnostics } = parseYoloModel(text, '/w/model.yaml', { imgsz: 640, nc: 2 });
    assert.ok(summary === undefined, 'no model');
    const e = onlyError(diagnostics);
    assert.equal(e.line, lineOf(text, 'width_multiple:'));
    assert.match(
      e.message,
      new RegExp(
        `^model\\.0 \\(Conv, model\\.yaml line ${lineOf(text, '  - [-1, 1, Conv, [64, 6, 2, 2]]')}\\) takes the model to [\\d,]+ parameters`,
      ),
    );
    assert.match(
      e.message,
      new RegExp(
        `over the limit of ${MAX_PARAMS.toLocaleString('en-US')}.*width_multiple ${w} widens its layers to [\\d,]+ channels\\. Lower width_multiple`,
      ),
    );
  }
  // The limits sit far above YOLOv5's own models at their training sizes.
  for (const name of ['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l', 'yolov5x']) {
    for (const imgsz of [640, 1280]) {
      const file = path.join(UNIT_FIXTURES, `${name}.yaml`);
      const { summary, diagnostics } = parseYoloModel(readFileSync(file, 'utf8'), file, { imgsz, nc: 80 });
      assert.deepEqual(diagnostics, [], `${name} at ${imgsz}`);
      assert.ok(summary!.totalParams < MAX_PARAMS / 10);
    }
  }
});

test('depth_multiple 1e4: refused before the 30,000 repeats are built, at depth_multiple', () => {
  const text = yolov5nWith('depth_multiple', '10000');
  const { summary, diagnostics } = parseYoloModel(text, '/w/model.yaml', { imgsz: 640 });
  assert.ok(summary === undefined, 'no model');
  const e = onlyError(diagnostics);
  assert.equal(e.line, lineOf(text, 'depth_multiple:'));
  assert.match(
    e.message,
    new RegExp(
      `^model\\.2 \\(C3, model\\.yaml line ${lineOf(text, '  - [-1, 3, C3, [128]]')}\\) would repeat its block 30,000 times, over the limit of ${MAX_REPEATS.toLocaleString('en-US')}`,
    ),
  );
  assert.match(e.message, /depth_multiple 10000 turns its number 3 into 30,000\. Lower depth_multiple/);
});

test("a row's own number or channels: the error is on that row", () => {
  const repeats = 'backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 5000, Bottleneck, [16]]\n';
  const r = onlyError(parseYoloModel(repeats, '/w/model.yaml', { imgsz: 64 }).diagnostics);
  assert.deepEqual([r.line, r.column], [3, 10], 'at the number column');
  assert.match(
    r.message,
    /^model\.1 \(Bottleneck, model\.yaml line 3\) would repeat its block 5,000 times.*its number is 5,000\. Lower the number/,
  );

  const wide = 'backbone:\n  - [-1, 1, Conv, [16, 3, 2]]\n  - [-1, 1, Conv, [100000000, 3, 2]]\n';
  const c = onlyError(parseYoloModel(wide, '/w/model.yaml', { imgsz: 64 }).diagnostics);
  assert.equal(c.line, 3);
  assert.match(
    c.message,
    /^model\.1 \(Conv, model\.yaml line 3\) takes the model to [\d,]+ parameters.*its widest layer has 100,000,000 output channels\. Lower the channel arguments/,
  );
});

test('`transfer-lab modules`: an absurd yolov5.img is an error at its line in the experiment, naming module and setting; exit 1', () => {
  const p = yolov5Project(path.join(tmp, 'img'), { yolov5: ['data: shapes.yaml', 'weights: yolov5n.pt', 'img: 1000000'] });
  const r = runCli(['modules', p.experiment, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as ModulesReport;
  assert.deepEqual(report.modules, []);
  const e = onlyError(report.diagnostics);
  assert.deepEqual([e.file, e.line], [p.experiment, 8]);
  assert.match(
    e.message,
    /^model\.0 \(Conv, model\.yaml line \d+\) takes the activations one image keeps for training to at least 8,000,000,000,000 values/,
  );
  assert.match(e.message, /yolov5\.img 1000000 makes its output 500000×500000×16\. Lower yolov5\.img/);

  // The same for train.imgsz (at most 4096) when the model is wide enough; and width_multiple in plain text.
  const dir = path.join(tmp, 'train-imgsz');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'wide.yaml'),
    'backbone:\n  - [-1, 1, Conv, [4096, 3, 1]]\n  - [-1, 1, GlobalAvgPool, []]\n  - [-1, 1, Dense, [nc]]\n',
  );
  const exp = writeExperiment(dir, 'wide.experiment.yaml', { data: MNIST_01, imgsz: 4096, model: 'wide.yaml' });
  const t = runCli(['modules', exp]);
  assert.equal(t.code, 1);
  assert.match(
    t.stdout,
    new RegExp(
      `${exp.replace(/[.\\/]/g, '\\$&')}:${lineOf(readFileSync(exp, 'utf8'), '  imgsz:')}:\\d+: error: model\\.0 \\(Conv, wide\\.yaml line 2\\) .*train\\.imgsz 4096 makes its output 4096×4096×4096\\. Lower train\\.imgsz`,
    ),
  );

  writeFileSync(path.join(p.proj, 'model.yaml'), yolov5nWith('width_multiple', '1000000000'));
  const w = runCli(['modules', p.experiment]);
  assert.equal(w.code, 1);
  assert.match(w.stdout, /model\.yaml:\d+:\d+: error: model\.0 \(Conv, model\.yaml line \d+\) takes the model to [\d,]+ parameters/);
});

test('`transfer-lab train` (built-in trainer) fails with the size error before building the model; nothing is allocated', async () => {
  const dir = path.join(tmp, 'train');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'huge.yaml'), `width_multiple: 1000000000\n${TINY_MODEL}`);
  const exp = writeExperiment(dir, 'huge.experiment.yaml', { data: MNIST_01, model: 'huge.yaml', epochs: 1 });
  const r = runCli(['train', exp, '--json', '--name', 'h']);
  assert.equal(r.code, 1, r.stderr.slice(-1000));
  const rec = JSON.parse(readFileSync(path.join(dir, 'runs', 'h', 'run.json'), 'utf8')) as RunRecord;
  assert.equal(rec.status, 'failed');
  assert.match(
    rec.error!,
    /huge\.yaml:1:\d+: error: model\.0 \(Conv, huge\.yaml line \d+\) takes the model to [\d,]+ parameters.*width_multiple 1000000000/,
  );

  // In process: the refusal comes before a single tensor exists.
  const before = tf.memory().numTensors;
  await assert.rejects(
    prepareModel({ modelFile: path.join(dir, 'huge.yaml'), imageShape: [14, 14, 1], classes: 2, seed: 0, freeze: 0 }),
    (e: Error) => e.name === 'ModelBuildError' && /width_multiple 1000000000/.test(e.message),
  );
  assert.equal(tf.memory().numTensors, before);
});

test('a YOLOv5 run with an absurd width_multiple fails before train.py starts', () => {
  const p = yolov5Project(path.join(tmp, 'yolo-train'), { model: yolov5nWith('width_multiple', '1000000') });
  const r = runCli(['train', p.experiment, '--json', '--name', 'big']);
  assert.equal(r.code, 1, r.stderr.slice(-1000));
  const dir = path.join(p.proj, 'runs', 'big');
  const rec = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(rec.status, 'failed');
  assert.match(
    rec.error!,
    /model\.yaml:\d+:\d+: error: model\.0 \(Conv, model\.yaml line \d+\) .*width_multiple 1000000 widens its layers/,
  );
  assert.ok(!existsSync(path.join(dir, 'opt.yaml')), 'train.py never ran');
  assert.doesNotMatch(readFileSync(path.join(dir, 'train.log'), 'utf8'), /starting: /);
});
