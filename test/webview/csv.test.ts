import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { csvField, seriesToCsv, summaryToCsv } from '../../webview/csv';
import { toColumns } from '../../src/shared/panel/series';
import { buildSummary } from '../../src/shared/panel/summary';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';

const ep = (n: number, acc: number, secs: number): EpochMetrics => ({
  epoch: n,
  'train/loss': 0.5,
  'val/loss': 0.6,
  'val/accuracy': acc,
  lr: 0.001,
  epoch_seconds: secs,
  images_per_second: 100,
  tensor_bytes: 1000,
  rss_bytes: 2000,
  time: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
});
const rec = (name: string, freeze: RunRecord['freeze']): RunRecord => ({ name, status: 'finished', experiment: '/e.yaml', freeze });

test('fields are quoted only when needed', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField(0.1 + 0.2), '0.30000000000000004');
});

test('series CSV: one row per run and epoch, every metric a column, gaps empty', () => {
  const csv = seriesToCsv([
    { name: 'f0', cols: toColumns([ep(1, 0.5, 2), ep(2, 0.6, 2)]) },
    { name: 'f,10', cols: toColumns([{ ...ep(1, 0.4, 1), 'val/loss': null as unknown as number }]) },
  ]);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines.length, 4);
  const header = lines[0].split(',');
  assert.deepEqual(header.slice(0, 6), ['run', 'epoch', 'time', 'train/loss', 'val/loss', 'val/accuracy']);
  assert.equal(lines[1].split(',')[2], '2024-01-01T00:00:01.000Z');
  assert.equal(lines[2].split(',')[header.indexOf('val/accuracy')], '0.6');
  assert.ok(lines[3].startsWith('"f,10",1,'));
  // After the quoted name the columns line up again: val/loss is empty.
  assert.equal(lines[3].replace('"f,10"', 'x').split(',')[header.indexOf('val/loss')], '');
});

test('summary CSV: raw numbers plus deltas against the baseline', () => {
  const table = buildSummary([
    { record: rec('f0', 0), cols: toColumns([ep(1, 0.8, 3), ep(2, 0.9, 3)]) },
    { record: rec('f10', 10), cols: toColumns([ep(1, 0.85, 1), ep(2, 0.88, 1)]) },
  ]);
  const [head, base, frozen] = summaryToCsv(table)
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
  const col = (row: string[], name: string) => row[head.indexOf(name)];
  assert.equal(col(base, 'metric'), 'accuracy');
  assert.equal(col(base, 'best'), '0.9');
  assert.equal(col(frozen, 'memory_measure'), 'rss');
  assert.equal(col(base, 'vs_baseline'), 'baseline');
  assert.equal(col(frozen, 'baseline'), 'f0');
  assert.equal(col(frozen, 'speedup'), '3');
  assert.equal(col(frozen, 'total_seconds'), '2');
  // The delta text holds commas, so it is quoted; it is the last column.
  assert.ok(summaryToCsv(table).includes('"-2.0 pt accuracy, 3.0x faster, +0% RSS"'));
});
