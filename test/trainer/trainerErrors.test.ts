// Bad input through the CLI: each failure names the file or setting to fix, marks run.json failed
// when a run folder exists, and exits non-zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { MNIST_01, writeExperiment, writeImageFolder, writePng } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-errors-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function failedRun(dir: string, name: string, args: string[] = []): { rec: RunRecord; out: string } {
  const exp = path.join(dir, `${name}.experiment.yaml`);
  const r = runCli(['train', exp, '--json', ...args]);
  assert.equal(r.code, 1, r.stdout.slice(-1000) + r.stderr);
  const end = r.events[r.events.length - 1];
  assert.ok(end.type === 'end' && end.status === 'failed' && end.error);
  const rec = JSON.parse(readFileSync(path.join(dir, 'runs', name, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(rec.status, 'failed');
  assert.equal(rec.error, end.type === 'end' ? end.error : '');
  return { rec, out: r.stdout };
}

test('image folder with one class: failed run with the folder named', () => {
  const dir = path.join(tmp, 'one');
  writeImageFolder(path.join(dir, 'data'), { classes: ['only'], perClass: 2, size: 8 });
  writeExperiment(dir, 'one.experiment.yaml', { data: '{ source: folder, path: data }' });
  const { rec } = failedRun(dir, 'one');
  assert.match(rec.error!, /data[/\\]train has only one class folder \(only\): a classifier needs at least 2 classes/);
});

test('empty class folder and strict corrupt image', () => {
  const dir = path.join(tmp, 'empty');
  writeImageFolder(path.join(dir, 'data'), { classes: ['a', 'b'], perClass: 2, size: 8 });
  mkdirSync(path.join(dir, 'data', 'train', 'c'));
  mkdirSync(path.join(dir, 'data', 'val', 'c'));
  writePng(path.join(dir, 'data', 'val', 'c', 'x.png'), 8, [0, 200, 0]);
  writeExperiment(dir, 'empty.experiment.yaml', { data: '{ source: folder, path: data }' });
  assert.match(failedRun(dir, 'empty').rec.error!, /class folder .*train[/\\]c has no PNG or JPEG images/);
});

test('a model whose input size differs from the pretrained weights: mismatches reported by name', () => {
  const dir = path.join(tmp, 'mismatch');
  writeExperiment(dir, 'small.experiment.yaml', { data: MNIST_01, epochs: 1, imgsz: 14 });
  assert.equal(runCli(['train', path.join(dir, 'small.experiment.yaml'), '--json']).code, 0);
  writeExperiment(dir, 'big.experiment.yaml', { data: MNIST_01, epochs: 1, imgsz: 28, weights: 'runs/small/weights/best' });
  const r = runCli(['train', path.join(dir, 'big.experiment.yaml'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const warn = r.events.filter((e) => e.type === 'log' && e.level === 'warn').map((e) => (e.type === 'log' ? e.message : ''));
  assert.ok(
    warn.some((w) => /pretrained model\.5\.weight has shape \[72, 2\], the model needs \[392, 2\]: left untrained/.test(w)),
    warn.join('\n'),
  );
});

test('NaN loss fails the run with a clear message', () => {
  const dir = path.join(tmp, 'nan');
  // Five stacked linear layers with a huge SGD step: the weights overflow within a few batches.
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'linear.yaml'),
    `backbone:\n  - [-1, 1, Flatten, []]\n${'  - [-1, 1, Dense, [256]]\n'.repeat(4)}  - [-1, 1, Dense, [nc]]\n`,
  );
  writeExperiment(dir, 'nan.experiment.yaml', { data: MNIST_01, epochs: 3, optimizer: 'sgd', lr: 9.9, model: 'linear.yaml' });
  const { rec } = failedRun(dir, 'nan');
  assert.match(
    rec.error!,
    /loss became (NaN|Infinity) at epoch 1, batch \d+\/4 \(lr 9\.9\): lower train\.lr or check the data; no epoch was finished/,
  );
});

test('missing pretrained weights, bad freeze, taken run name, unknown option', () => {
  const dir = path.join(tmp, 'misc');
  writeExperiment(dir, 'noweights.experiment.yaml', { data: MNIST_01, weights: 'runs/nothing/weights/best' });
  assert.match(failedRun(dir, 'noweights').rec.error!, /weights .*runs[/\\]nothing[/\\]weights[/\\]best do not exist: point weights: at/);

  writeExperiment(dir, 'freeze.experiment.yaml', { data: MNIST_01, freeze: '99' });
  assert.match(failedRun(dir, 'freeze').rec.error!, /freeze 99 is more than the 6 modules/);

  const taken = runCli(['train', path.join(dir, 'freeze.experiment.yaml'), '--json', '--name', 'freeze']);
  assert.equal(taken.code, 1);
  assert.match(taken.stdout, /run folder .*freeze already exists: pick another --name, or add --resume/);

  const unknown = runCli(['train', path.join(dir, 'freeze.experiment.yaml'), '--epoch', '3']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option --epoch for 'train'/);
  assert.match(unknown.stderr, /usage: transfer-lab train <experiment\.yaml>/);

  const badYaml = runCli(['train', path.join(dir, 'missing.experiment.yaml'), '--json']);
  assert.equal(badYaml.code, 1);
  assert.match(badYaml.stdout, /missing\.experiment\.yaml/);
});
