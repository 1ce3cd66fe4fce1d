import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { durationTicks, formatX, formatY } from '../../webview/charts';

test('formatting for axes, hover and table', () => {
  assert.equal(formatY('fraction', 0.9234), '92.3%');
  assert.equal(formatY('bytes', 3 * 1024 ** 3), '3.00 GiB');
  assert.equal(formatY('seconds', 75), '1m 15s');
  assert.equal(formatY('plain', null), '–');
  assert.equal(formatX('epoch', 12), '12');
  assert.equal(formatX('relative', 3700), '1h 01m');
});

test('duration ticks fall on round steps', () => {
  assert.deepEqual(durationTicks(0, 1500, 5), [0, 300, 600, 900, 1200, 1500]);
  assert.deepEqual(durationTicks(10, 50, 4), [10, 20, 30, 40, 50]);
});
