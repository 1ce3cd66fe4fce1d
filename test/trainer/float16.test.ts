// float32 ↔ float16 conversion of the spilled prefix cache, exhaustively: every half survives the
// round trip, every midpoint between neighbouring halves rounds to the even one and anything off the
// midpoint to the nearer one; subnormals, signed zeros, overflow, infinities and NaN.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { floatsToHalves, fromHalfBits, halvesToFloats, toHalfBits } from '../../src/trainer/cache/float16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The float32 next to `x` towards +∞ (dir 1) or −∞ (dir -1), for x > 0. */
function nextFloat(x: number, dir: 1 | -1): number {
  f32[0] = x;
  u32[0] += dir;
  return f32[0];
}

test('every half converts to float32 and back to the same bits (NaNs stay NaN)', () => {
  for (let h = 0; h < 65536; h++) {
    const x = fromHalfBits(h);
    if (Number.isNaN(x)) assert.ok(Number.isNaN(fromHalfBits(toHalfBits(x))), `0x${h.toString(16)}`);
    else assert.equal(toHalfBits(x), h, `0x${h.toString(16)} (${x})`);
  }
});

test('known values: ±0, the smallest subnormal, the largest subnormal, the smallest normal, one, the largest half', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [2 ** -24, 0x0001],
    [1023 * 2 ** -24, 0x03ff],
    [2 ** -14, 0x0400],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];
  for (const [x, h] of cases) {
    assert.equal(toHalfBits(x), h, String(x));
    assert.equal(fromHalfBits(h), x);
  }
  assert.equal(toHalfBits(-0), 0x8000);
  assert.ok(Object.is(fromHalfBits(0x8000), -0));
  assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
  assert.equal(toHalfBits(NaN) & 0x7c00, 0x7c00);
});

test('each midpoint between neighbouring positive halves rounds to the even one, and off it to the nearer', () => {
  for (let h = 0; h < 0x7c00; h++) {
    const a = fromHalfBits(h);
    const b = fromHalfBits(h + 1); // 0x7bff + 1 is infinity: the overflow boundary is checked too
    const mid = h === 0x7bff ? 65520 : (a + b) / 2; // exact in float32: halves have 11 significant bits
    const even = h % 2 === 0 ? h : h + 1;
    assert.equal(toHalfBits(mid), even, `midpoint of 0x${h.toString(16)}`);
    assert.equal(toHalfBits(-mid), even | 0x8000, `-midpoint of 0x${h.toString(16)}`);
    assert.equal(toHalfBits(nextFloat(mid, -1)), h, `just below the midpoint of 0x${h.toString(16)}`);
    assert.equal(toHalfBits(nextFloat(mid, 1)), h + 1, `just above the midpoint of 0x${h.toString(16)}`);
  }
});

test('float32 values beyond the half range: overflow to ±∞, underflow (float32 subnormals too) to ±0', () => {
  assert.equal(toHalfBits(1e6), 0x7c00);
  assert.equal(toHalfBits(-3.4e38), 0xfc00);
  assert.equal(toHalfBits(2 ** -26), 0x0000);
  assert.equal(toHalfBits(-(2 ** -26)), 0x8000);
  assert.equal(toHalfBits(1e-45), 0x0000); // the smallest float32 subnormal
  assert.equal(toHalfBits(-1e-40), 0x8000);
  assert.equal(toHalfBits(2 ** -25), 0x0000); // halfway to the smallest subnormal: ties to even (0)
  assert.equal(toHalfBits(nextFloat(2 ** -25, 1)), 0x0001);
});

test('array conversion: floats → halves → floats is within half an ulp of the half', () => {
  const src = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
  const h = new Uint16Array(src.length);
  const back = new Float32Array(src.length);
  floatsToHalves(src, h);
  halvesToFloats(h, back);
  for (let i = 0; i < src.length; i++) {
    const rel = Math.abs(back[i] - src[i]) / Math.max(Math.abs(src[i]), 2 ** -14);
    assert.ok(rel <= 2 ** -11, `${src[i]} → ${back[i]}`);
  }
});
