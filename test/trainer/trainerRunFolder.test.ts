// Crash-safe files of the run folder: torn metrics lines, atomic files and folders, run names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMetricsText, readMetricsFile } from '../../src/trainer/run/metricsFile';
import { readableFolder } from '../../src/shared/runFolder/readRecord';
import { writeFileAtomic } from '../../src/shared/runFolder/writeRecord';
import { DurableLines, writeFolderAtomic } from '../../src/trainer/run/atomicFiles';
import { checkRunName, defaultRunName, uniqueRunName } from '../../src/trainer/run/runFolder';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-runfolder-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const line = (epoch: number): string => JSON.stringify({ epoch, 'train/loss': 0.5, 'val/loss': null, time: 't' });

test('metrics.jsonl: a torn last line and broken lines are skipped, NaN written as null is kept', () => {
  const text = `${line(1)}\n${line(2)}\nnot json\n${line(3)}\n{"epoch": 4, "train/lo`;
  const r = parseMetricsText(text);
  assert.deepEqual(
    r.metrics.map((m) => m.epoch),
    [1, 2, 3],
  );
  assert.deepEqual(r.badLines, [3]);
  assert.equal(r.tornTail, '{"epoch": 4, "train/lo');
  assert.equal(r.metrics[0]['val/loss'], null);
  assert.deepEqual(parseMetricsText('').metrics, []);
  assert.deepEqual(readMetricsFile(path.join(tmp, 'absent.jsonl')), []);
});

test('DurableLines trims a torn tail before appending, so the next line stays whole', () => {
  const file = path.join(tmp, 'm.jsonl');
  writeFileSync(file, `${line(1)}\n{"epoch": 2, "tr`);
  const w = new DurableLines(file);
  w.append(line(2));
  w.close();
  assert.equal(readFileSync(file, 'utf8'), `${line(1)}\n${line(2)}\n`);
  writeFileSync(file, 'no newline at all');
  new DurableLines(file).close();
  assert.equal(readFileSync(file, 'utf8'), '');
});

test('atomic file and folder writes leave no temporaries; an interrupted folder swap is still readable', () => {
  const f = path.join(tmp, 'run.json');
  writeFileAtomic(f, '{"a":1}');
  writeFileAtomic(f, '{"a":2}');
  assert.equal(readFileSync(f, 'utf8'), '{"a":2}');
  const dir = path.join(tmp, 'weights', 'last');
  writeFolderAtomic(dir, { 'model.json': '1', 'weights.bin': new Uint8Array([1, 2]) });
  writeFolderAtomic(dir, { 'model.json': '2', 'weights.bin': new Uint8Array([3]) });
  assert.equal(readFileSync(path.join(dir, 'model.json'), 'utf8'), '2');
  assert.deepEqual(readdirSync(path.join(tmp, 'weights')), ['last']);
  assert.deepEqual(
    readdirSync(tmp).filter((n) => n.includes('.tmp')),
    [],
  );
  // Killed between "old aside" and "new in": only last.old exists, and readers use it.
  renameSync(dir, `${dir}.old`);
  assert.equal(readableFolder(dir), `${dir}.old`);
  writeFolderAtomic(dir, { 'model.json': '3' });
  assert.equal(readableFolder(dir), dir);
  assert.ok(!existsSync(`${dir}.old`));
});

test('run names: defaults from the experiment, unique suffixes, unsafe names refused', () => {
  assert.equal(defaultRunName('/x/transfer.experiment.yaml'), 'transfer');
  assert.equal(defaultRunName('/x/experiment.yaml'), 'run');
  assert.equal(defaultRunName('/x/a.yaml', 'my exp/1'), 'my-exp-1');
  const runs = path.join(tmp, 'runs');
  mkdirSync(path.join(runs, 'exp'), { recursive: true });
  mkdirSync(path.join(runs, 'exp-2'));
  assert.equal(uniqueRunName(runs, 'exp'), 'exp-3');
  assert.equal(uniqueRunName(runs, 'new'), 'new');
  assert.throws(() => checkRunName('../escape'), /must start with a letter or digit/);
  assert.throws(() => checkRunName('a/b'), /only letters, digits/);
});
