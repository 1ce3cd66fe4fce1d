import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { alignTracks, appendToAligned, lowerBound } from '../../webview/align';

test('runs over the same epochs share x; shorter runs are padded with null', () => {
  const a = alignTracks([
    {
      x: [1, 2, 3],
      ys: [
        [10, 20, 30],
        [1, 2, 3],
      ],
    },
    {
      x: [1, 2],
      ys: [
        [11, 21],
        [5, 6],
      ],
    },
  ]);
  assert.deepEqual(a.x, [1, 2, 3]);
  assert.deepEqual(a.ys[0], [
    [10, 20, 30],
    [1, 2, 3],
  ]);
  assert.deepEqual(a.ys[1], [
    [11, 21, null],
    [5, 6, null],
  ]);
});

test('different x values are merged into one sorted union', () => {
  const a = alignTracks([
    { x: [0.5, 2.5, 4], ys: [[1, 2, 3]] },
    { x: [1, 2.5, 5], ys: [[7, 8, 9]] },
  ]);
  assert.deepEqual(a.x, [0.5, 1, 2.5, 4, 5]);
  assert.deepEqual(a.ys[0][0], [1, null, 2, 3, null]);
  assert.deepEqual(a.ys[1][0], [null, 7, 8, null, 9]);
});

test('points without x are dropped; unsorted points are sorted; a repeated x keeps the last', () => {
  const a = alignTracks([{ x: [3, null, 1, 3], ys: [[30, 99, 10, 31]] }]);
  assert.deepEqual(a.x, [1, 3]);
  assert.deepEqual(a.ys[0][0], [10, 31]);
});

test('appending beyond the last x extends every line; at an existing x fills the slot', () => {
  const a = alignTracks([
    { x: [1, 2], ys: [[10, 20]] },
    { x: [1, 2], ys: [[11, 21]] },
  ]);
  assert.equal(appendToAligned(a, 0, [3], [[30]]), 2, 'written at the new last index');
  assert.deepEqual(a.x, [1, 2, 3]);
  assert.deepEqual(a.ys[1][0], [11, 21, null]);
  assert.equal(appendToAligned(a, 1, [3], [[31]]), 2);
  assert.deepEqual(a.ys[1][0], [11, 21, 31]);
  assert.deepEqual(a.ys[0][0], [10, 20, 30]);
});

test('a point between existing x values asks for a rebuild', () => {
  const a = alignTracks([{ x: [1, 3], ys: [[1, 3]] }]);
  assert.equal(appendToAligned(a, 0, [2], [[2]]), -1);
  assert.equal(appendToAligned(a, 0, [null], [[5]]), 2, 'a point without x writes nothing');
});

test('lowerBound', () => {
  assert.equal(lowerBound([1, 3, 5], 0), 0);
  assert.equal(lowerBound([1, 3, 5], 3), 1);
  assert.equal(lowerBound([1, 3, 5], 4), 2);
  assert.equal(lowerBound([1, 3, 5], 6), 3);
});
