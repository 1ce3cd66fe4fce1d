import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { appendEpochs, hasAny, toColumns, xValues, METRIC_KEYS } from '../../src/shared/panel/series';
import { formatBytes, formatCount, formatDuration, formatNumber } from '../../src/shared/panel/format';
import type { EpochMetrics } from '../../src/shared/runFolder/contract';

const ep = (n: number, time: string, extra: Partial<EpochMetrics> = {}): EpochMetrics => ({
  epoch: n,
  'train/loss': 1,
  'val/loss': 1,
  'val/accuracy': 0.5,
  lr: 0.1,
  epoch_seconds: 10,
  images_per_second: 10,
  tensor_bytes: 1,
  rss_bytes: 2,
  time,
  ...extra,
});

test('columns: one array per metric, missing and non-finite values are null', () => {
  const c = toColumns([
    ep(1, '2024-01-01T00:00:10Z', { device_util: 50 }),
    ep(2, 'not a time', { 'train/loss': null as unknown as number }),
  ]);
  assert.deepEqual(c.epoch, [1, 2]);
  assert.deepEqual(c.time, [Date.UTC(2024, 0, 1, 0, 0, 10), null]);
  assert.deepEqual(c.values['train/loss'], [1, null]);
  assert.deepEqual(c.values.device_util, [50, null]);
  assert.deepEqual(c.values['val/top5'], [null, null]);
  assert.equal(Object.keys(c.values).length, METRIC_KEYS.length);
  assert.equal(hasAny([c], 'device_util'), true);
  assert.equal(hasAny([c], 'val/top5'), false);
  appendEpochs(c, [ep(3, '2024-01-01T00:00:30Z')]);
  assert.equal(c.values.lr.length, 3);
});

test('x values: epoch, wall seconds, and seconds since the start', () => {
  const c = toColumns([ep(1, '2024-01-01T00:00:10Z'), ep(2, '2024-01-01T00:00:20Z')]);
  assert.deepEqual(xValues(c, 'epoch'), [1, 2]);
  assert.deepEqual(xValues(c, 'wall'), [Date.UTC(2024, 0, 1, 0, 0, 10) / 1000, Date.UTC(2024, 0, 1, 0, 0, 20) / 1000]);
  assert.deepEqual(xValues(c, 'relative', '2024-01-01T00:00:05Z'), [5, 15]);
  // Without startedAt: the first epoch's end minus its duration (10 s) is the start.
  assert.deepEqual(xValues(c, 'relative'), [10, 20]);
  assert.deepEqual(xValues(c, 'relative', '2024-01-01T00:00:05Z', 1), [15]);
});

test('number, size and duration formatting shared by the panel and the CLI', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatDuration(0.5), '0.50 s');
  assert.equal(formatNumber(1234567), '1.23M');
  assert.equal(formatNumber(12.5), '12.5');
  assert.equal(formatNumber(0.000123), '1.23e-4');
  assert.equal(formatCount(25_000_000), '25,000,000');
  assert.equal(formatCount(-1234), '-1,234');
});
