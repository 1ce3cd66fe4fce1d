// Each module's effective learning-rate multiplier from train.lrMult / train.lrRange.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explicitMultiplier, geometricSpread, moduleLrMultipliers, wouldBeMultiplier } from '../../src/shared/experiment/lrMultipliers';

const all = (): boolean => true;
const close = (actual: number[], expected: number[]): void => {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) < 1e-12 * Math.max(1, Math.abs(expected[i])), `[${i}] ${a} ≠ ${expected[i]}`),
  );
};

test('nothing set: every trainable module trains at 1 ×, frozen ones at 0', () => {
  assert.deepEqual(moduleLrMultipliers({}, 4, all), [1, 1, 1, 1]);
  assert.deepEqual(
    moduleLrMultipliers({}, 4, (i) => i >= 2),
    [0, 0, 1, 1],
  );
  assert.deepEqual(moduleLrMultipliers({}, 0, all), []);
});

test('lrMult: ranges, open ends, and the narrowest covering entry wins whatever the order', () => {
  const lrMult = [
    { from: 3, to: 3, mult: 0.5 },
    { from: 0, to: 5, mult: 0.1 },
    { from: 6, mult: 1 },
  ];
  assert.deepEqual(moduleLrMultipliers({ lrMult }, 9, all), [0.1, 0.1, 0.1, 0.5, 0.1, 0.1, 1, 1, 1]);
  // Same entries, other order: same answer.
  assert.deepEqual(moduleLrMultipliers({ lrMult: [...lrMult].reverse() }, 9, all), [0.1, 0.1, 0.1, 0.5, 0.1, 0.1, 1, 1, 1]);
  // A nested open range beats the wider open range.
  assert.deepEqual(
    moduleLrMultipliers(
      {
        lrMult: [
          { from: 4, mult: 2 },
          { from: 1, mult: 0.3 },
        ],
      },
      6,
      all,
    ),
    [1, 0.3, 0.3, 0.3, 2, 2],
  );
  // Entries past the last module change nothing; modules no entry covers train at 1.
  assert.deepEqual(moduleLrMultipliers({ lrMult: [{ from: 2, to: 10, mult: 0.2 }] }, 4, all), [1, 1, 0.2, 0.2]);
});

test('lrMult: frozen modules get 0, and wouldBeMultiplier tells what they train at once unfrozen', () => {
  const lrMult = [{ from: 0, to: 1, mult: 0.1 }];
  const trainable = (i: number): boolean => i >= 1;
  assert.deepEqual(moduleLrMultipliers({ lrMult }, 3, trainable), [0, 0.1, 1]);
  assert.equal(wouldBeMultiplier({ lrMult }, 3, trainable, 0), 0.1);
  assert.equal(explicitMultiplier(lrMult, 2, 3), 1);
});

test('lrRange: geometric over the trainable modules, first = min/max, last = 1', () => {
  // 1e-5 … 1e-3 over 3 trainable modules: 0.01, 0.1, 1.
  close(moduleLrMultipliers({ lrRange: { min: 1e-5, max: 1e-3 } }, 3, all), [0.01, 0.1, 1]);
  // Frozen modules 0 and 1 are left out of the spread and get 0.
  close(
    moduleLrMultipliers({ lrRange: { min: 1e-5, max: 1e-3 } }, 5, (i) => i >= 2),
    [0, 0, 0.01, 0.1, 1],
  );
  // A gap in the trainable set (a list freeze) is skipped, not counted.
  close(
    moduleLrMultipliers({ lrRange: { min: 1e-4, max: 1e-2 } }, 4, (i) => i !== 1),
    [0.01, 0, 0.1, 1],
  );
  // One trainable module: the head's rate.
  close(
    moduleLrMultipliers({ lrRange: { min: 1e-5, max: 1e-3 } }, 3, (i) => i === 2),
    [0, 0, 1],
  );
  // A frozen module's would-be place in the spread: as if it joined the trainable ones.
  close([wouldBeMultiplier({ lrRange: { min: 1e-5, max: 1e-3 } }, 3, (i) => i === 2, 1)], [0.01]);
});

test('geometricSpread: evenly spaced on a log scale, ending at exactly 1', () => {
  close(geometricSpread(1e-3, 4), [1e-3, 1e-2, 1e-1, 1]);
  assert.deepEqual(geometricSpread(0.5, 1), [1]);
  assert.deepEqual(geometricSpread(0.5, 0), []);
  assert.equal(geometricSpread(0.3, 7)[6], 1);
});
