import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, appendFileSync, mkdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DISK_FULL_FILE, type EpochMetrics, type RunRecord } from '../../src/shared/runFolder/contract';
import { MetricsTail, readMetrics } from '../../src/shared/runFolder/metricsTail';
import { listRunDirs, readRunRecord } from '../../src/shared/runFolder/readRecord';
import { RunFolderError } from '../../src/shared/runFolder/runFolderError';

function epoch(n: number): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 1 / n,
    'val/loss': 1.1 / n,
    'val/accuracy': 0.5 + n / 100,
    lr: 0.001,
    epoch_seconds: 2,
    images_per_second: 100,
    tensor_bytes: 1000,
    rss_bytes: 5000,
    time: new Date(1700000000000 + n * 2000).toISOString(),
  };
}
const line = (n: number) => JSON.stringify(epoch(n)) + '\n';

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'tl-reader-'));
}

test('a torn last line is held back until its newline arrives', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  const full = line(1) + line(2);
  const torn = line(3);
  writeFileSync(file, full + torn.slice(0, 25));
  const tail = new MetricsTail(file);
  assert.deepEqual(
    (await tail.readNew()).map((e) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(await tail.readNew(), []);
  appendFileSync(file, torn.slice(25));
  assert.deepEqual(
    (await tail.readNew()).map((e) => e.epoch),
    [3],
  );
  assert.equal(tail.problems.length, 0);
  rmSync(dir, { recursive: true });
});

test('appends are read incrementally, one line at a time or many', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  const tail = new MetricsTail(file);
  assert.deepEqual(await tail.readNew(), [], 'a missing file has no epochs yet');
  writeFileSync(file, line(1));
  assert.deepEqual(
    (await tail.readNew()).map((e) => e.epoch),
    [1],
  );
  appendFileSync(file, line(2) + line(3) + line(4));
  const got = await tail.readNew();
  assert.deepEqual(
    got.map((e) => e.epoch),
    [2, 3, 4],
  );
  assert.equal(got[0]['val/accuracy'], 0.52);
  assert.equal(tail.generation, 0);
  rmSync(dir, { recursive: true });
});

test('concurrent reads do not return a line twice', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, line(1) + line(2));
  const tail = new MetricsTail(file);
  const [a, b] = await Promise.all([tail.readNew(), tail.readNew()]);
  assert.deepEqual(
    [...a, ...b].map((e) => e.epoch),
    [1, 2],
  );
  rmSync(dir, { recursive: true });
});

test('a truncated file is read again from the start and the generation increases', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, line(1) + line(2) + line(3));
  const tail = new MetricsTail(file);
  assert.equal((await tail.readNew()).length, 3);
  truncateSync(file, 0);
  appendFileSync(file, line(1));
  assert.deepEqual(
    (await tail.readNew()).map((e) => e.epoch),
    [1],
  );
  assert.equal(tail.generation, 1);
  rmSync(dir, { recursive: true });
});

test('a file rewritten in place with more than before (same inode) is read from the start', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, line(1) + line(2));
  const tail = new MetricsTail(file);
  assert.equal((await tail.readNew()).length, 2);
  const rerun = (n: number) => JSON.stringify({ ...epoch(n), time: new Date(1800000000000 + n).toISOString() }) + '\n';
  writeFileSync(file, rerun(1) + rerun(2) + rerun(3));
  const got = await tail.readNew();
  assert.deepEqual(
    got.map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.equal(tail.generation, 1);
  assert.equal(tail.problems.length, 0, 'no half-line was parsed from the old offset');
  rmSync(dir, { recursive: true });
});

test('a deleted and recreated file (new inode, larger) is read from the start', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, line(1));
  const tail = new MetricsTail(file);
  assert.equal((await tail.readNew()).length, 1);
  rmSync(file);
  // Hold the old inode number so the new file cannot reuse it.
  writeFileSync(path.join(dir, 'other'), 'x');
  writeFileSync(file, line(1) + line(2) + line(3));
  assert.deepEqual(
    (await tail.readNew()).map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.ok(tail.generation >= 1);
  rmSync(dir, { recursive: true });
});

test('a multi-byte character split across reads survives', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  const e = { ...epoch(1), note: 'Genauigkeit über 90 % — gut' };
  const bytes = Buffer.from(JSON.stringify(e) + '\n', 'utf8');
  const cut = bytes.indexOf(Buffer.from('ü')) + 1; // in the middle of the two-byte ü
  writeFileSync(file, bytes.subarray(0, cut));
  const tail = new MetricsTail(file);
  assert.deepEqual(await tail.readNew(), []);
  appendFileSync(file, bytes.subarray(cut));
  const [got] = await tail.readNew();
  assert.equal((got as unknown as { note: string }).note, 'Genauigkeit über 90 % — gut');
  rmSync(dir, { recursive: true });
});

test('bad lines are skipped and reported with file and line number', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, line(1) + '{not json\n' + '\n' + JSON.stringify({ epoch: 3, 'train/loss': 'x' }) + '\n' + line(4));
  const { epochs, problems } = await readMetrics(file);
  assert.deepEqual(
    epochs.map((x) => x.epoch),
    [1, 4],
  );
  assert.equal(problems.length, 2);
  assert.equal(problems[0].line, 2);
  assert.match(problems[0].message, /not valid JSON/);
  assert.equal(problems[1].line, 4);
  assert.match(problems[1].message, /"train\/loss" is "x"/);
  rmSync(dir, { recursive: true });
});

test('a NaN metric written as null is accepted', async () => {
  const dir = tmp();
  const file = path.join(dir, 'metrics.jsonl');
  writeFileSync(file, JSON.stringify({ ...epoch(1), 'train/loss': NaN }) + '\n');
  const { epochs, problems } = await readMetrics(file);
  assert.equal(epochs.length, 1);
  assert.equal(epochs[0]['train/loss'], null);
  assert.equal(problems.length, 0);
  rmSync(dir, { recursive: true });
});

test('readRunRecord: absent, valid, and invalid run.json', async () => {
  const dir = tmp();
  assert.equal(await readRunRecord(dir), undefined);
  const rec: RunRecord = { name: 'freeze-10', status: 'running', experiment: '/w/e.yaml', freeze: 10, epochs: 5 };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec));
  assert.deepEqual(await readRunRecord(dir), rec);
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...rec, status: 'done' }));
  await assert.rejects(
    readRunRecord(dir),
    (e: unknown) => e instanceof RunFolderError && /run\.json: "status" is "done", expected one of/.test(e.message),
  );
  writeFileSync(path.join(dir, 'run.json'), '{"name": ');
  await assert.rejects(readRunRecord(dir), /run\.json: is not valid JSON/);
  rmSync(dir, { recursive: true });
});

test('readRunRecord: a running record beside disk-full.txt is the failed run it stands for', async () => {
  const dir = tmp();
  const rec: RunRecord = { name: 'r', status: 'running', experiment: '/w/e.yaml', freeze: 0, epochs: 5, pid: 123 };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec));
  writeFileSync(
    path.join(dir, DISK_FULL_FILE),
    'disk full at /w/runs/r/weights/last (ENOSPC: no space left on device); kept weights/last (epoch 2)\n',
  );
  assert.deepEqual(await readRunRecord(dir), {
    ...rec,
    status: 'failed',
    error: 'disk full at /w/runs/r/weights/last (ENOSPC: no space left on device); kept weights/last (epoch 2)',
  });
  // Empty when not even the message fitted.
  writeFileSync(path.join(dir, DISK_FULL_FILE), '');
  const empty = await readRunRecord(dir);
  assert.equal(empty?.status, 'failed');
  assert.match(empty?.error ?? '', /^the disk was full: .*resume the run/);
  // A record written since (the run resumed, or already said how it ended) is what it says.
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...rec, status: 'stopped' }));
  assert.equal((await readRunRecord(dir))?.status, 'stopped');
  rmSync(dir, { recursive: true });
});

test('listRunDirs lists run folders only, sorted; an absent runs folder is empty', async () => {
  const root = tmp();
  assert.deepEqual(await listRunDirs(path.join(root, 'nope')), []);
  for (const [name, file] of [
    ['b', 'run.json'],
    ['a', 'metrics.jsonl'],
    ['c', 'notes.txt'],
  ]) {
    mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, name, file), '{}');
  }
  writeFileSync(path.join(root, 'stray.json'), '{}');
  assert.deepEqual(await listRunDirs(root), [path.join(root, 'a'), path.join(root, 'b')]);
  rmSync(root, { recursive: true });
});
