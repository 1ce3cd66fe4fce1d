import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunFolderScanner } from '../../src/panel/runFolderScanner';
import type { EpochMetrics, RunRecord } from '../../src/shared/runs/contract';

const ep = (n: number): string =>
  JSON.stringify({
    epoch: n, 'train/loss': 1, 'val/loss': 1, 'val/accuracy': n / 10, lr: 0.1, epoch_seconds: 1, images_per_second: 10,
    tensor_bytes: 1, rss_bytes: 2, time: new Date(1.7e12 + n * 1000).toISOString(),
  } satisfies EpochMetrics) + '\n';

function writeRun(root: string, dir: string, rec: Partial<RunRecord> & { name: string }, lines = ''): void {
  mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, dir, 'run.json'), JSON.stringify({ status: 'running', experiment: '/e.yaml', freeze: 0, startedAt: '2024-01-01T00:00:00Z', ...rec }));
  if (lines) writeFileSync(path.join(root, dir, 'metrics.jsonl'), lines);
}

test('first scan finds runs and their epochs; later scans report only what is new', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tl-scan-'));
  writeRun(root, 'a', { name: 'a' }, ep(1) + ep(2));
  writeRun(root, 'b', { name: 'b', freeze: 10 });
  const s = new RunFolderScanner(() => [root]);
  const r1 = await s.scan();
  assert.equal(r1.changed, true);
  assert.deepEqual(s.entries().map((e) => e.record.name), ['a', 'b']);
  assert.deepEqual(r1.appended.map((a) => [a.run, a.epochs.length]), [['a', 2]]);
  const r2 = await s.scan();
  assert.deepEqual(r2, { changed: false, appended: [], problems: [] });
  appendFileSync(path.join(root, 'a', 'metrics.jsonl'), ep(3));
  writeFileSync(path.join(root, 'b', 'metrics.jsonl'), ep(1).slice(0, 10));
  const r3 = await s.scan();
  assert.equal(r3.changed, false);
  assert.deepEqual(r3.appended.map((a) => [a.run, a.epochs.map((e) => e.epoch)]), [['a', [3]]]);
  assert.deepEqual(s.epochs('a')!.map((e) => e.epoch), [1, 2, 3]);
  rmSync(root, { recursive: true });
});

test('status changes, removal, restarts and bad files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tl-scan-'));
  writeRun(root, 'a', { name: 'a' }, ep(1) + ep(2));
  writeRun(root, 'b', { name: 'b' });
  const s = new RunFolderScanner(() => [root]);
  await s.scan();
  writeRun(root, 'a', { name: 'a', status: 'finished' });
  let r = await s.scan();
  assert.equal(r.changed, true);
  assert.equal(s.entries()[0].record.status, 'finished');
  // Started again in the same folder: new startedAt, metrics start over.
  writeRun(root, 'a', { name: 'a', startedAt: '2024-02-01T00:00:00Z' }, ep(1));
  r = await s.scan();
  assert.equal(r.changed, true);
  assert.equal(s.entries()[0].generation, 1);
  assert.deepEqual(s.epochs('a')!.map((e) => e.epoch), [1]);
  // A second folder claiming the same run name is reported and left out.
  writeRun(root, 'c', { name: 'b' });
  r = await s.scan();
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /c\/run\.json: run name "b" is already used by .*b\/run\.json/);
  // A broken run.json is reported once; the run stays as it was.
  writeFileSync(path.join(root, 'b', 'run.json'), '{"name":');
  r = await s.scan();
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0], /b\/run\.json: is not valid JSON/);
  assert.ok(s.entries().some((e) => e.record.name === 'b'));
  assert.equal((await s.scan()).problems.length, 0, 'the same problem is not reported again');
  rmSync(path.join(root, 'a'), { recursive: true });
  r = await s.scan();
  assert.equal(r.changed, true);
  assert.equal(s.entries().some((e) => e.record.name === 'a'), false);
  rmSync(root, { recursive: true });
});
