// The Predictions section's view-model on a hand-made prediction set: row shares, per-class
// accuracy, most confused pairs, compare mode's lists, the CSV export's rows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  compareRuns,
  confusionCells,
  confusionCsvRows,
  mostConfused,
  perClassAccuracy,
  rowNormalized,
  thumbnailOf,
} from '../../webview/predictionsModel';
import { csvLine } from '../../webview/csv';
import { predictionsProblem } from '../../src/shared/runFolder/predictions';
import { handMadePredictions, TINY_PNG } from '../support/predictionsFixture';

test('the hand-made set is a valid predictions file', () => {
  assert.equal(predictionsProblem(handMadePredictions()), undefined);
});

test('row shares divide each row by its true class’s images; an empty class is nulls, not NaN', () => {
  assert.deepEqual(
    rowNormalized([
      [1, 1, 0],
      [1, 1, 1],
      [0, 0, 0],
    ]),
    [
      [0.5, 0.5, 0],
      [1 / 3, 1 / 3, 1 / 3],
      [null, null, null],
    ],
  );
});

test('heat-map cells: counts or shares as text, each colour scaled to its own largest cell, spoken labels', () => {
  const p = handMadePredictions({
    confusion: [
      [8, 2, 0],
      [1, 3, 0],
      [0, 0, 0],
    ],
  });
  const counts = confusionCells(p, false);
  assert.deepEqual(
    counts[0].map((c) => c.text),
    ['8', '2', '0'],
  );
  // The diagonal against its largest (8), the mistakes against theirs (2).
  assert.deepEqual(
    counts.flat().map((c) => c.heat),
    [1, 1, 0, 0.5, 3 / 8, 0, 0, 0, 0],
  );
  assert.equal(counts[1][0].label, 'true dog, predicted cat: 1 image (25% of dog)');
  const shares = confusionCells(p, true);
  assert.deepEqual(
    shares[0].map((c) => c.text),
    ['80%', '20%', '0%'],
  );
  assert.deepEqual(
    shares[2].map((c) => c.text),
    ['–', '–', '–'],
    'a class without images has no shares',
  );
  assert.deepEqual(
    shares.flat().map((c) => c.heat),
    [1, 0.8, 0, 1, 0.75 / 0.8, 0, 0, 0, 0],
  );
});

test('per-class accuracy is the diagonal over the row, null for a class without images', () => {
  assert.deepEqual(perClassAccuracy(handMadePredictions().confusion), [0.5, 1 / 3, 1]);
  assert.deepEqual(
    perClassAccuracy([
      [0, 0],
      [2, 2],
    ]),
    [null, 0.5],
  );
});

test('most confused: off-diagonal cells by count, ties by true then predicted class, with their share', () => {
  const confusion = [
    [5, 3, 0],
    [1, 4, 3],
    [0, 7, 2],
  ];
  assert.deepEqual(mostConfused(confusion, 3), [
    { truth: 2, predicted: 1, count: 7, share: 7 / 9 },
    { truth: 0, predicted: 1, count: 3, share: 3 / 8 },
    { truth: 1, predicted: 2, count: 3, share: 3 / 8 },
  ]);
  assert.deepEqual(
    mostConfused([
      [4, 0],
      [0, 4],
    ]),
    [],
    'no mistakes, no pairs',
  );
});

test('compare mode lists the images one run gets right and the other wrong, with both predictions', () => {
  const a = handMadePredictions(); // right on 0, 2, 5
  // b: right on 0, 1, 3; wrong on 2, 4, 5
  const b = handMadePredictions({ predicted: [0, 0, 0, 1, 0, 1] });
  const c = compareRuns(a, b);
  assert.ok(c.comparable);
  assert.deepEqual(c.aOnly, [
    { index: 2, truth: 1, a: 1, b: 0 },
    { index: 5, truth: 2, a: 2, b: 1 },
  ]);
  assert.deepEqual(c.bOnly, [
    { index: 1, truth: 0, a: 1, b: 0 },
    { index: 3, truth: 1, a: 0, b: 1 },
  ]);
  assert.equal(c.bothRight, 1);
  assert.equal(c.bothWrong, 1);
  // The reverse swaps the lists.
  const r = compareRuns(b, a);
  assert.ok(r.comparable);
  assert.deepEqual(
    r.aOnly.map((x) => x.index),
    [1, 3],
  );
});

test('runs validated on other images or classes are not compared, and say why', () => {
  const a = handMadePredictions();
  const other = compareRuns(a, handMadePredictions({ truth: [0, 0, 1, 1, 2, 2] }));
  assert.deepEqual(other, { comparable: false, why: 'the two runs validated on different images' });
  const shorter = compareRuns(a, handMadePredictions({ truth: [0], predicted: [0] }));
  assert.equal(shorter.comparable, false);
  const classes = compareRuns(a, handMadePredictions({ classes: ['cat', 'dog', 'owl'] }));
  assert.deepEqual(classes, { comparable: false, why: 'the two runs have different classes' });
});

test('a compared image’s thumbnail comes from whichever run stored it', () => {
  const a = handMadePredictions({ thumbnails: {} });
  const b = handMadePredictions();
  assert.equal(thumbnailOf(4, a, b), TINY_PNG);
  assert.equal(thumbnailOf(0, a, b), undefined);
});

test('the confusion CSV: predicted classes across, one row per true class', () => {
  const lines = confusionCsvRows(handMadePredictions({ classes: ['cat', 'dog, big', 'fox'] })).map(csvLine);
  assert.deepEqual(lines, ['true \\ predicted,cat,"dog, big",fox', 'cat,1,1,0', '"dog, big",1,1,1', 'fox,0,0,1']);
});
