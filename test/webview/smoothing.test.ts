import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EmaSmoother, emaSmooth, MAX_SMOOTHING } from '../../webview/smoothing';

test('debiased EMA matches TensorBoard by hand', () => {
  // w = 0.5: last1 = 0.5*1 = 0.5, /0.5 = 1; last2 = 0.25 + 1.5 = 1.75, /0.75 = 2.333…;
  // last3 = 0.875 + 0.5*5 = 3.375, /0.875 = 3.857…
  const got = emaSmooth([1, 3, 5], 0.5);
  assert.equal(got[0], 1);
  assert.ok(Math.abs((got[1] as number) - 7 / 3) < 1e-12);
  assert.ok(Math.abs((got[2] as number) - 3.375 / 0.875) < 1e-12);
});

test('the first smoothed point equals the first raw point (no pull towards 0)', () => {
  for (const w of [0.1, 0.6, 0.9, 0.99]) assert.ok(Math.abs((emaSmooth([7, 1, 2], w)[0] as number) - 7) < 1e-12);
});

test('weight 0 is the raw series; a constant series stays exactly constant', () => {
  assert.deepEqual(emaSmooth([1, 5, 2], 0), [1, 5, 2]);
  assert.deepEqual(emaSmooth([0.1, 0.1, 0.1, 0.1], 0.95), [0.1, 0.1, 0.1, 0.1]);
});

test('non-finite points pass through and do not advance the average', () => {
  const got = emaSmooth([1, null, 3], 0.5);
  assert.equal(got[1], null);
  // Same as smoothing [1, 3]: the null does not count.
  assert.ok(Math.abs((got[2] as number) - 7 / 3) < 1e-12);
});

test('weights beyond the slider are clamped (weight 1 would freeze the line at 0)', () => {
  const a = emaSmooth([1, 2, 3], 1);
  const b = emaSmooth([1, 2, 3], MAX_SMOOTHING);
  assert.deepEqual(a, b);
  assert.notEqual(a[2], 0);
});

test('the incremental smoother agrees with the batch one', () => {
  const values = [0.5, 0.5, 0.52, null, 0.61, 0.58, 0.7, 0.69, 0.73, 0.8];
  for (const w of [0, 0.3, 0.6, 0.95]) {
    const s = new EmaSmoother(w);
    const inc = values.map((v) => s.next(v));
    const full = emaSmooth(values, w);
    inc.forEach((v, i) => {
      if (v === null) assert.equal(full[i], null);
      else assert.ok(Math.abs(v - (full[i] as number)) < 1e-12, `w=${w} i=${i}: ${v} vs ${full[i]}`);
    });
  }
});
