// YOLOv5's results.csv in its exact format (space-padded '%20s,' header and '%20.5g,' rows, written
// by Python's % formatting), read whole and incrementally as train.py appends to it, and each row as
// an EpochMetrics line of our run record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { epochMetricsFromRow, epochNumber } from '../../src/trainer/yolov5/epochMetrics';
import { parseResultsCsv, ResultsCsvTail, YOLOV5_RESULTS_COLUMNS } from '../../src/trainer/yolov5/resultsCsv';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/yolov5-standin/results.csv');
const TEXT = readFileSync(FIXTURE, 'utf8');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-csv-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test("the fixture is YOLOv5's format: every cell right-aligned in 20 characters", () => {
  for (const line of TEXT.trimEnd().split('\n')) for (const cell of line.split(',')) assert.equal(cell.length, 20, `cell '${cell}'`);
});

test("header names are trimmed and are YOLOv5's columns; values parse, nan becomes null, 9.9e-06 a number", () => {
  const r = parseResultsCsv(TEXT);
  assert.deepEqual(r.header, [...YOLOV5_RESULTS_COLUMNS]);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.rows.map((x) => x.epoch),
    [0, 1, 2, 3],
  );
  assert.equal(r.rows[0]['metrics/mAP_0.5'], 0.67913);
  assert.equal(r.rows[0]['metrics/mAP_0.5:0.95'], 0.44563);
  assert.equal(r.rows[0]['val/cls_loss'], 0.0090142);
  assert.equal(r.rows[2]['val/box_loss'], null);
  assert.equal(r.rows[3]['x/lr0'], 9.9e-6);
});

test('a row without its newline is still being written: left for the next read', () => {
  const cut = TEXT.slice(0, TEXT.lastIndexOf('\n', TEXT.length - 2) + 30);
  assert.deepEqual(
    parseResultsCsv(cut).rows.map((x) => x.epoch),
    [0, 1, 2],
  );
});

test('malformed rows are reported with their line and skipped, the rest kept', () => {
  const lines = TEXT.trimEnd().split('\n');
  const bad =
    [lines[0], lines[1], lines[2].replace('0.041016', '   oops'), lines[3].split(',').slice(0, 5).join(','), lines[4]].join('\n') + '\n';
  const r = parseResultsCsv(bad);
  assert.deepEqual(
    r.rows.map((x) => x.epoch),
    [0, 3],
  );
  assert.deepEqual(
    r.problems.map((p) => p.line),
    [3, 4],
  );
  assert.match(r.problems[0].message, /train\/box_loss holds 'oops'/);
  assert.match(r.problems[1].message, /5 values for the header's 14 columns/);
  assert.match(parseResultsCsv('hello,world\n').problems[0].message, /not a YOLOv5 results\.csv header/);
});

test('followed incrementally: rows arrive as YOLOv5 appends them, torn writes wait, a rewrite starts over', async () => {
  const file = path.join(tmp, 'results.csv');
  const tail = new ResultsCsvTail(file);
  assert.deepEqual((await tail.readNew()).rows, [], 'no file yet');
  const lines = TEXT.split('\n');
  // YOLOv5 writes the header with the first row, in one write.
  writeFileSync(file, `${lines[0]}\n${lines[1]}\n`);
  assert.deepEqual(
    (await tail.readNew()).rows.map((r) => r.epoch),
    [0],
  );
  appendFileSync(file, lines[2].slice(0, 50));
  assert.deepEqual((await tail.readNew()).rows, [], 'half a row is not a row');
  appendFileSync(file, `${lines[2].slice(50)}\n${lines[3]}\n`);
  assert.deepEqual(
    (await tail.readNew()).rows.map((r) => r.epoch),
    [1, 2],
  );
  assert.deepEqual((await tail.readNew()).rows, [], 'nothing new');
  writeFileSync(file, `${lines[0]}\n`);
  const again = await tail.readNew();
  assert.equal(again.restarted, true);
  assert.deepEqual(again.rows, []);
  appendFileSync(file, `${lines[1]}\n`);
  assert.deepEqual(
    (await tail.readNew()).rows.map((r) => r.epoch),
    [0],
  );
});

test('a row becomes an EpochMetrics line: 1-based epoch, summed losses, mAP fields, our measurements, the row kept whole', () => {
  const rows = parseResultsCsv(TEXT).rows;
  const m = epochMetricsFromRow(rows[0], {
    seconds: 12.5,
    time: '2025-01-01T00:00:00.000Z',
    rssBytes: 2e9,
    deviceUtil: 91,
    deviceMemoryBytes: 5e9,
  });
  assert.equal(m.epoch, 1);
  assert.equal(epochNumber(rows[3]), 4);
  assert.ok(Math.abs(m['train/loss'] - (0.042337 + 0.065871 + 0.019773)) < 1e-12);
  assert.ok(Math.abs(m['val/loss'] - (0.032457 + 0.034951 + 0.0090142)) < 1e-12);
  assert.equal(m['val/mAP_0.5'], 0.67913);
  assert.equal(m['val/mAP_0.5:0.95'], 0.44563);
  assert.equal(m['val/precision'], 0.66402);
  assert.equal(m['val/recall'], 0.60951);
  assert.equal(m.lr, 0.070394);
  assert.equal(m.epoch_seconds, 12.5);
  assert.equal(m.rss_bytes, 2e9);
  assert.equal(m.device_util, 91);
  assert.equal(m.device_memory_bytes, 5e9);
  assert.deepEqual(m.yolov5, rows[0]);
  // What a detection run does not have is NaN, written as null: a gap, not a zero.
  const line = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
  for (const k of ['val/accuracy', 'images_per_second', 'tensor_bytes']) assert.equal(line[k], null, k);
  const nanRow = epochMetricsFromRow(rows[2], { seconds: 1, time: 't' });
  assert.ok(Number.isNaN(nanRow['val/loss']), 'a nan component makes the sum NaN');
  assert.ok(Number.isNaN(nanRow.rss_bytes));
  assert.equal(nanRow.device_util, undefined, 'not sampled: absent');
});
