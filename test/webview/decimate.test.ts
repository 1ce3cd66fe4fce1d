import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Decimator } from '../../webview/decimate';
import type { Value } from '../../src/shared/panel/series';

function data(n: number, lines = 2): { x: number[]; ys: Value[][] } {
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const ys = Array.from({ length: lines }, (_, l) => x.map((i) => Math.sin(i / 37 + l) * (l + 1) + (i % 97 === 0 ? 5 : 0)));
  return { x, ys };
}

test('few points: the view is the data itself, appends included', () => {
  const { x, ys } = data(100);
  const d = new Decimator(x, ys, 200);
  assert.equal(d.isDecimating, false);
  assert.equal(d.view.x, x);
  x.push(101);
  ys.forEach((y) => y.push(0));
  assert.equal(d.extend(100), true);
  assert.equal(d.view.x.length, 101);
});

test('many points: about two per bucket, every line keeps its extremes and its order', () => {
  const { x, ys } = data(10_000);
  const d = new Decimator(x, ys, 100);
  assert.equal(d.isDecimating, true);
  assert.ok(d.view.x.length <= 2 * 101, `${d.view.x.length} points`);
  assert.equal(d.view.x[0], 1);
  assert.equal(d.view.x[d.view.x.length - 1], 10_000);
  for (let l = 0; l < ys.length; l++) {
    const full = ys[l] as number[];
    const view = d.view.ys[l].filter((v): v is number => v !== null);
    assert.equal(Math.max(...view), Math.max(...full), 'the spikes survive');
    assert.equal(Math.min(...view), Math.min(...full));
  }
  for (let i = 1; i < d.view.x.length; i++) assert.ok(d.view.x[i] > d.view.x[i - 1], 'x stays sorted');
});

test('extend after appends reduces the new points like the old ones', () => {
  const { x, ys } = data(5_000, 3);
  const d = new Decimator(x, ys, 50);
  const before = d.view.x.length;
  for (let k = 0; k < 300; k++) {
    const xi = x.length + 1;
    x.push(xi);
    ys.forEach((y, l) => y.push(Math.cos(xi / 11 + l) + (xi === 5_150 ? 7 : 0)));
    assert.equal(d.extend(x.length - 1), true);
  }
  // Buckets are about 100 x wide: 300 new points make about 3 more buckets of two points each.
  assert.ok(d.view.x.length >= before + 5 && d.view.x.length <= before + 8, `${before} -> ${d.view.x.length}`);
  assert.equal(d.view.x[d.view.x.length - 1], 5_300);
  for (let i = 1; i < d.view.x.length; i++) assert.ok(d.view.x[i] > d.view.x[i - 1]);
  for (let l = 0; l < ys.length; l++) {
    const view = d.view.ys[l].filter((v): v is number => v !== null);
    assert.equal(Math.max(...view), Math.max(...(ys[l] as number[])));
  }
  assert.ok(d.view.ys[0].includes(Math.cos(5_150 / 11) + 7), 'the spike in the appended part is drawn');
});

test('a value filled in earlier (another run reached that epoch) re-reduces from its bucket', () => {
  const { x, ys } = data(5_000);
  ys[1][4_990] = null;
  const d = new Decimator(x, ys, 50);
  ys[1][4_990] = 99;
  assert.equal(d.extend(4_990), true);
  assert.deepEqual(d.view, new Decimator(x, ys, 50).view);
  assert.ok(d.view.ys[1].includes(99));
});

test('growing far past the bucket budget asks for a rebuild', () => {
  const { x, ys } = data(1_000);
  const d = new Decimator(x, ys, 100);
  let ok = true;
  for (let k = 0; k < 2_000 && ok; k++) {
    x.push(x.length + 1);
    ys.forEach((y) => y.push(0));
    ok = d.extend(x.length - 1);
  }
  assert.equal(ok, false);
});

test('a zoom range draws that range at full detail, with one point beyond each edge', () => {
  const { x, ys } = data(10_000);
  const d = new Decimator(x, ys, 500, [100, 300]);
  assert.equal(d.isDecimating, false);
  assert.equal(d.view.x[0], 99);
  assert.equal(d.view.x[d.view.x.length - 1], 301);
  assert.equal(d.extend(9_999), false, 'zoomed views are rebuilt on change');
});

test("lines with gaps (another run's x) keep null where a bucket has none of their points", () => {
  const x = Array.from({ length: 1_000 }, (_, i) => i);
  const a: Value[] = x.map((i) => (i < 500 ? i : null));
  const d = new Decimator(x, [a], 50);
  const tail = d.view.ys[0].slice(-4);
  assert.deepEqual(tail, [null, null, null, null]);
});
