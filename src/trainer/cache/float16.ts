// IEEE 754 half precision (binary16) for the spilled frozen-prefix cache: half the disk and half the
// reads of float32. Conversion to half rounds to nearest, ties to even (as hardware does), keeps
// subnormals, signed zeros, infinities and NaN; values beyond the half range become ±Infinity.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits (0…0xffff) nearest to `x` (rounded to float32 first, as any float32 input is). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const f = u32[0];
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  let mant = f & 0x7fffff;
  if (exp === 0xff) return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13); // inf; NaN stays NaN (quiet)
  const e = exp - 127 + 15; // the half's biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (e <= 0) {
    // A half subnormal (or zero): the value is mant·2^(e-25) with the implicit bit made explicit.
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): ±0
    mant |= 0x800000;
    const shift = 14 - e;
    const h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rest > half || (rest === half && (h & 1) === 1) ? h + 1 : h);
  }
  const h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa steps the exponent up, and from the largest exponent to infinity: both right.
  return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

/** Every half's float32 value, by its bits: reading the cache is one table look-up per value. */
const HALF_TO_FLOAT = ((): Float32Array => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[h] = mant === 0 ? sign * Infinity : NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return t;
})();

export function fromHalfBits(h: number): number {
  return HALF_TO_FLOAT[h & 0xffff];
}

/** Writes `src` as halves into `dst` (same length). */
export function floatsToHalves(src: Float32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = toHalfBits(src[i]);
}

/** Writes the halves `src` as floats into `dst` (same length). */
export function halvesToFloats(src: Uint16Array, dst: Float32Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = HALF_TO_FLOAT[src[i]];
}
