// The LR range test's arithmetic on hand-made loss curves: the exponential LR sequence, the
// bias-corrected moving average, the stop at 4× the best smoothed loss, and both suggestions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycledOrder, lrSequence, RangeTest, suggestLr } from '../../src/trainer/lrFind/rangeTest';

const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} ≉ ${b}`);

test('lrSequence: geometric from start to end, first and last exact', () => {
  const lrs = lrSequence(1e-7, 10, 100);
  assert.equal(lrs.length, 100);
  close(lrs[0], 1e-7);
  close(lrs[99], 10);
  // Constant ratio: 8 decades over 99 gaps.
  const ratio = Math.pow(1e8, 1 / 99);
  for (let i = 1; i < lrs.length; i++) close(lrs[i] / lrs[i - 1], ratio);
  assert.deepEqual(lrSequence(1e-3, 1, 1), [1e-3]);
  const three = lrSequence(1e-4, 1e-2, 3);
  close(three[1], 1e-3);
});

test('RangeTest: the smoothed loss is the bias-corrected EMA with β 0.98', () => {
  const t = new RangeTest();
  const losses = [2, 1, 3, 0.5];
  let avg = 0;
  losses.forEach((l, i) => {
    assert.equal(t.record(1e-3 * (i + 1), l), false);
    avg = 0.98 * avg + 0.02 * l;
    close(t.smoothed[i], avg / (1 - Math.pow(0.98, i + 1)));
  });
  // The first smoothed value is the first loss itself (bias correction), not 2% of it.
  close(t.smoothed[0], 2);
  assert.deepEqual(t.losses, losses);
  assert.equal(t.end, undefined);
});

test('RangeTest: stops once the smoothed loss exceeds 4× the best, keeping that point', () => {
  const t = new RangeTest(0); // β 0: smoothed = raw, to place the threshold exactly
  assert.equal(t.record(1, 2), false);
  assert.equal(t.record(2, 1), false);
  assert.equal(t.record(3, 4), false, '4× the best (1) is not above it');
  assert.equal(t.record(4, 4.01), true);
  assert.equal(t.end, 'diverged');
  assert.deepEqual(t.lrs, [1, 2, 3, 4]);
  assert.equal(t.record(5, 0.1), true, 'nothing is recorded after the end');
  assert.equal(t.lrs.length, 4);
});

test('RangeTest: with smoothing, one spike does not stop it but a sustained blow-up does', () => {
  const t = new RangeTest();
  for (let i = 0; i < 20; i++) assert.equal(t.record(i, 1), false);
  assert.equal(t.record(20, 10), false, 'one batch at 10× moves the average by only about half');
  let steps = 0;
  while (!t.record(21 + steps, 100)) steps++;
  assert.equal(t.end, 'diverged');
  assert.ok(steps < 10, `stopped after ${steps} more steps`);
});

test('RangeTest: a NaN loss ends the test without recording it', () => {
  const t = new RangeTest();
  t.record(1e-3, 1);
  assert.equal(t.record(1e-2, NaN), true);
  assert.equal(t.end, 'non-finite');
  assert.deepEqual(t.losses, [1]);
});

/** A loss curve in log LR: flat, then falling (steepest at `steep`), a minimum at `minAt`, then up. */
function valleyCurve(lrs: number[], steep: number, minAt: number): number[] {
  return lrs.map((lr) => {
    const x = Math.log10(lr);
    if (x <= minAt) return 2 - 1.5 / (1 + Math.exp(-4 * (x - steep)));
    return 0.5 + 3 * (x - minAt) ** 2;
  });
}

test('suggestLr: steepest descent before the minimum, and minimum ÷ 10', () => {
  const lrs = lrSequence(1e-7, 10, 100);
  const curve = valleyCurve(lrs, -4, -1.5);
  const s = suggestLr(lrs, curve);
  assert.equal(s.suggested, 'steepest');
  assert.equal(s.lr, s.steepest);
  // Steepest slope of the sigmoid is at 10^-4 (within one step of the grid).
  assert.ok(Math.abs(Math.log10(s.steepest!) - -4) < 0.1, `steepest ${s.steepest}`);
  // The minimum at 10^-1.5 → ÷10 = 10^-2.5 (within one step).
  assert.ok(Math.abs(Math.log10(s.minimumTenth!) - -2.5) < 0.1, `minimum/10 ${s.minimumTenth}`);
});

test('suggestLr: a one-step wiggle of batch noise does not beat the real descent', () => {
  const lrs = lrSequence(1e-7, 10, 100);
  const curve = valleyCurve(lrs, -3, -1);
  // Early on, the average dips 0.2 for one step and comes back: a one-step slope steeper than the descent's.
  curve[20] -= 0.2;
  const s = suggestLr(lrs, curve);
  assert.equal(s.suggested, 'steepest');
  assert.ok(Math.abs(Math.log10(s.steepest!) - -3) < 0.2, `steepest ${s.steepest}, not the wiggle at ${lrs[19]}`);
});

test('suggestLr: the steepest point is looked for before the minimum, not in the blow-up', () => {
  const lrs = lrSequence(1e-5, 1, 50);
  // Gentle fall to a minimum at index 30, then a steep rise and a steeper fall (noise in the blow-up).
  const curve = lrs.map((_, i) => (i <= 30 ? 2 - i * 0.01 : i < 40 ? 1.7 + (i - 30) : 11.7 - (i - 40)));
  const s = suggestLr(lrs, curve);
  assert.equal(s.suggested, 'steepest');
  assert.ok(s.steepest! < lrs[30], `${s.steepest} is before the minimum at ${lrs[30]}`);
});

test('suggestLr: the first tenth and the last 5 steps are left out, as fastai does', () => {
  const lrs = lrSequence(1e-6, 1, 40);
  // A deep dip in the first 4 steps (EMA warm-up) and in the last 5 must not be the minimum.
  const curve = lrs.map((_, i) => (i < 4 || i >= 35 ? 0.01 : 1 - i * 0.01));
  const s = suggestLr(lrs, curve);
  close(s.minimumTenth!, lrs[34] / 10);
});

test('suggestLr: a loss that never falls suggests minimum ÷ 10 and says why', () => {
  const lrs = lrSequence(1e-4, 1, 30);
  const s = suggestLr(
    lrs,
    lrs.map((_, i) => 1 + i * 0.1),
  );
  assert.equal(s.suggested, 'minimum');
  assert.equal(s.steepest, undefined);
  assert.equal(s.lr, s.minimumTenth);
  assert.match(s.reason, /never fell/);
});

test('suggestLr: too few steps give no suggestion, with the reason', () => {
  const s = suggestLr([1e-3], [1]);
  assert.equal(s.lr, undefined);
  assert.equal(s.suggested, undefined);
  assert.match(s.reason, /too few steps/);
});

test('cycledOrder: successive permutations fill every step, a small set included', () => {
  const perms: number[] = [];
  const order = cycledOrder(3, 4, 2, (e) => {
    perms.push(e);
    return e % 2 ? [0, 1, 2] : [2, 1, 0];
  });
  assert.deepEqual(order, [0, 1, 2, 2, 1, 0, 0, 1]);
  assert.deepEqual(perms, [1, 2, 3]);
  assert.deepEqual(
    cycledOrder(0, 4, 2, () => []),
    [],
  );
});
