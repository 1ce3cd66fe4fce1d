// Training kernels compiled to WebAssembly (AssemblyScript, SIMD), run on tfjs-backend-wasm's own
// memory: the module imports the backend's Memory, so every pointer below is a byte offset of a
// tensor in that heap and nothing is copied. The module has no data segments and never allocates:
// it writes only through the pointers it is given (checked by test/trainer/kernels.test.ts).
//
// Why wasm and not JavaScript loops: these kernels are branchy (max-pool gradients pick a window's
// first maximum, which a JS loop does with unpredictable branches) or element-wise chains (Adam is
// 15 tfjs kernels per variable); SIMD compares and selects do 4 lanes without branches. Results are
// bit-identical to the tfjs kernels they replace: the same float32 operations in the same order.

/** Gradient of a 2×2, stride-2 max pool over an input of [n, 2·ho, 2·wo, c]: each window's first maximum (row-major) gets dy. */
export function maxPool2x2Grad(x: usize, dy: usize, dx: usize, n: i32, ho: i32, wo: i32, c: i32): void {
  const row = <usize>(2 * wo * c) << 2; // bytes per input row
  const cb = <usize>c << 2;
  const vecEnd = c & ~3;
  let d = dy;
  for (let ni = 0; ni < n; ni++) {
    for (let i = 0; i < ho; i++) {
      const r0 = <usize>((ni * 2 * ho + 2 * i) * 2 * wo * c) << 2;
      for (let j = 0; j < wo; j++, d += cb) {
        const p00 = r0 + (<usize>(2 * j * c) << 2);
        const p01 = p00 + cb;
        const p10 = p00 + row;
        const p11 = p10 + cb;
        let k = 0;
        for (; k < vecEnd; k += 4) {
          const o = <usize>k << 2;
          const a = v128.load(x + p00 + o);
          const b = v128.load(x + p01 + o);
          const e = v128.load(x + p10 + o);
          const f = v128.load(x + p11 + o);
          const g = v128.load(d + o);
          // A later element wins only when strictly greater (NaN never wins).
          const mb = f32x4.gt(b, a);
          const best1 = v128.bitselect(b, a, mb);
          const me = f32x4.gt(e, best1);
          const best2 = v128.bitselect(e, best1, me);
          const mf = f32x4.gt(f, best2);
          const isE = v128.andnot(me, mf);
          const isB = v128.andnot(v128.andnot(mb, me), mf);
          const isA = v128.not(v128.or(v128.or(mb, me), mf));
          v128.store(dx + p00 + o, v128.and(g, isA));
          v128.store(dx + p01 + o, v128.and(g, isB));
          v128.store(dx + p10 + o, v128.and(g, isE));
          v128.store(dx + p11 + o, v128.and(g, mf));
        }
        for (; k < c; k++) {
          const o = <usize>k << 2;
          const a = load<f32>(x + p00 + o);
          const b = load<f32>(x + p01 + o);
          const e = load<f32>(x + p10 + o);
          const f = load<f32>(x + p11 + o);
          const g = load<f32>(d + o);
          let best = a;
          let at = 0;
          if (b > best) { best = b; at = 1; }
          if (e > best) { best = e; at = 2; }
          if (f > best) at = 3;
          store<f32>(dx + p00 + o, at == 0 ? g : 0);
          store<f32>(dx + p01 + o, at == 1 ? g : 0);
          store<f32>(dx + p10 + o, at == 2 ? g : 0);
          store<f32>(dx + p11 + o, at == 3 ? g : 0);
        }
      }
    }
  }
}

/** out[c] = Σ_r x[r, c] for x of [rows, cols], each column summed in row order in float32. */
export function sumRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const cb = <usize>cols << 2;
  const vecEnd = cols & ~3;
  let k = 0;
  // Four vectors (16 columns) per pass keep the running sums in registers.
  for (; k + 16 <= vecEnd; k += 16) {
    const o = <usize>k << 2;
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let p = x + o;
    for (let r = 0; r < rows; r++, p += cb) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
    }
    v128.store(out + o, s0);
    v128.store(out + o, s1, 16);
    v128.store(out + o, s2, 32);
    v128.store(out + o, s3, 48);
  }
  for (; k < vecEnd; k += 4) {
    const o = <usize>k << 2;
    let s = f32x4.splat(0);
    let p = x + o;
    for (let r = 0; r < rows; r++, p += cb) s = f32x4.add(s, v128.load(p));
    v128.store(out + o, s);
  }
  for (; k < cols; k++) {
    const o = <usize>k << 2;
    let s: f32 = 0;
    let p = x + o;
    for (let r = 0; r < rows; r++, p += cb) s += load<f32>(p);
    store<f32>(out + o, s);
  }
}

/**
 * One Adam update of `size` floats, as tfjs' AdamOptimizer computes it (float32, same order):
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *   w' = (m'/(1−β1ᵗ)) / (sqrt(v'/(1−β2ᵗ)) + ε) · (−lr) + w
 * Reads w, m, v, g; writes w', m', v' to their own outputs (which may be the inputs).
 */
export function adam(
  w: usize, m: usize, v: usize, g: usize, wOut: usize, mOut: usize, vOut: usize, size: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  oneMinusAccBeta1: f32, oneMinusAccBeta2: f32, negLr: f32, epsilon: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const a1 = f32x4.splat(oneMinusAccBeta1);
  const a2 = f32x4.splat(oneMinusAccBeta2);
  const lr = f32x4.splat(negLr);
  const eps = f32x4.splat(epsilon);
  const vecEnd = size & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
    const step = f32x4.mul(f32x4.div(f32x4.div(mi, a1), f32x4.add(f32x4.sqrt(f32x4.div(vi, a2)), eps)), lr);
    v128.store(wOut + o, f32x4.add(step, v128.load(w + o)));
    v128.store(mOut + o, mi);
    v128.store(vOut + o, vi);
  }
  for (; i < size; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi: f32 = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi: f32 = load<f32>(v + o) * beta2 + (gi * gi) * oneMinusBeta2;
    const step: f32 = ((mi / oneMinusAccBeta1) / (Mathf.sqrt(vi / oneMinusAccBeta2) + epsilon)) * negLr;
    store<f32>(wOut + o, step + load<f32>(w + o));
    store<f32>(mOut + o, mi);
    store<f32>(vOut + o, vi);
  }
}

/**
 * The transposed patch matrix P [kh·kw·c, n·ho·wo] of x laid out channel-first ([c, n, h, w]):
 * P[(a, b, ci), (ni, i, j)] = x[ci, ni, i·sh + a − top, j·sw + b − left], 0 outside the image.
 * With stride 1 and an output the size of the input ('same'), every row of P is the flattened
 * channel shifted by one offset: one block copy per row, then zeros where the shift crossed an image border.
 */
export function patchesT(x: usize, out: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, top: i32, left: i32, ho: i32, wo: i32): void {
  const plane = n * h * w;
  const m = n * ho * wo;
  const flat = sh == 1 && sw == 1 && ho == h && wo == w;
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let ci = 0; ci < c; ci++) {
        const row = out + (<usize>(((a * kw + b) * c + ci) * m) << 2);
        const xc = x + (<usize>(ci * plane) << 2);
        if (flat) {
          const dr = a - top;
          const dc = b - left;
          const shift = dr * w + dc;
          const from = max(0, -shift);
          const to = min(m, m - shift);
          if (from > 0) memory.fill(row, 0, <usize>from << 2);
          if (to < m) memory.fill(row + (<usize>to << 2), 0, <usize>(m - to) << 2);
          if (to > from) memory.copy(row + (<usize>from << 2), xc + (<usize>(from + shift) << 2), <usize>(to - from) << 2);
          if (dr == 0 && dc == 0) continue;
          for (let ni = 0; ni < n; ni++) {
            for (let i = 0; i < h; i++) {
              const seg = row + (<usize>((ni * h + i) * w) << 2);
              const si = i + dr;
              if (si < 0 || si >= h) memory.fill(seg, 0, <usize>w << 2);
              else if (dc > 0) memory.fill(seg + (<usize>(w - dc) << 2), 0, <usize>dc << 2);
              else if (dc < 0) memory.fill(seg, 0, <usize>(-dc) << 2);
            }
          }
          continue;
        }
        let dst = row;
        const rowBytes = <usize>wo << 2;
        for (let ni = 0; ni < n; ni++) {
          for (let i = 0; i < ho; i++, dst += rowBytes) {
            const si = i * sh + a - top;
            if (si < 0 || si >= h) {
              memory.fill(dst, 0, rowBytes);
              continue;
            }
            const srow = xc + (<usize>((ni * h + si) * w) << 2);
            const c0 = b - left;
            if (sw == 1) {
              // Columns j with 0 <= j + c0 < w are one contiguous run.
              const j0 = max(0, -c0);
              const j1 = min(wo, w - c0);
              if (j1 <= j0) {
                memory.fill(dst, 0, rowBytes);
                continue;
              }
              if (j0 > 0) memory.fill(dst, 0, <usize>j0 << 2);
              if (j1 < wo) memory.fill(dst + (<usize>j1 << 2), 0, <usize>(wo - j1) << 2);
              memory.copy(dst + (<usize>j0 << 2), srow + (<usize>(j0 + c0) << 2), <usize>(j1 - j0) << 2);
            } else {
              for (let j = 0; j < wo; j++) {
                const sj = j * sw + c0;
                store<f32>(dst + (<usize>j << 2), sj >= 0 && sj < w ? load<f32>(srow + (<usize>sj << 2)) : 0);
              }
            }
          }
        }
      }
    }
  }
}

/** ReLU's gradient from its output: out = y > 0 ? dy : 0 (one pass instead of Step and Multiply). */
export function reluGrad(dy: usize, y: usize, out: usize, size: i32): void {
  const zero = f32x4.splat(0);
  const vecEnd = size & ~3;
  let i = 0;
  for (; i < vecEnd; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < size; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/**
 * Filter gradient of a stride-1 convolution with few input channels (c ≤ 4, the first layer on
 * images), without a patch matrix: for each tap (a, b) and each block of 8 output channels,
 * dW[a, b, ci, co] = Σ over outputs (ni, i, j) whose source pixel (i + a − top, j + b − left) is
 * inside the image of x[ni, si, sj, ci] · dy[ni, i, j, co]. The sums live in registers (c × 8), so
 * x and dy stream through once per tap and block. A GEMM would first pack dy (n·ho·wo × co, the
 * first layer's biggest gradient), which costs more than this whole kernel.
 * x: [n, h, w, c]; dy: [n, ho, wo, co] with co a multiple of 8; dW: [kh, kw, c, co].
 */
export function filterGradSmallC(x: usize, dy: usize, dW: usize, n: i32, h: i32, w: i32, c: i32,
  kh: i32, kw: i32, top: i32, left: i32, ho: i32, wo: i32, co: i32): void {
  const xPixel = <usize>c << 2;
  const dyPixel = <usize>co << 2;
  for (let a = 0; a < kh; a++) {
    const i0 = max(0, top - a);
    const i1 = min(ho, h + top - a);
    for (let b = 0; b < kw; b++) {
      const j0 = max(0, left - b);
      const j1 = min(wo, w + left - b);
      for (let o = 0; o < co; o += 8) {
        let s0a = f32x4.splat(0); let s0b = f32x4.splat(0);
        let s1a = f32x4.splat(0); let s1b = f32x4.splat(0);
        let s2a = f32x4.splat(0); let s2b = f32x4.splat(0);
        let s3a = f32x4.splat(0); let s3b = f32x4.splat(0);
        if (j1 > j0) {
          for (let ni = 0; ni < n; ni++) {
            for (let i = i0; i < i1; i++) {
              let xp = x + (<usize>((ni * h + i + a - top) * w + j0 + b - left) * xPixel);
              let dp = dy + (<usize>((ni * ho + i) * wo + j0) * dyPixel) + (<usize>o << 2);
              for (let j = j0; j < j1; j++, xp += xPixel, dp += dyPixel) {
                const d0 = v128.load(dp);
                const d1 = v128.load(dp, 16);
                const x0 = f32x4.splat(load<f32>(xp));
                s0a = f32x4.add(s0a, f32x4.mul(x0, d0));
                s0b = f32x4.add(s0b, f32x4.mul(x0, d1));
                if (c > 1) {
                  const x1 = f32x4.splat(load<f32>(xp, 4));
                  s1a = f32x4.add(s1a, f32x4.mul(x1, d0));
                  s1b = f32x4.add(s1b, f32x4.mul(x1, d1));
                }
                if (c > 2) {
                  const x2 = f32x4.splat(load<f32>(xp, 8));
                  s2a = f32x4.add(s2a, f32x4.mul(x2, d0));
                  s2b = f32x4.add(s2b, f32x4.mul(x2, d1));
                }
                if (c > 3) {
                  const x3 = f32x4.splat(load<f32>(xp, 12));
                  s3a = f32x4.add(s3a, f32x4.mul(x3, d0));
                  s3b = f32x4.add(s3b, f32x4.mul(x3, d1));
                }
              }
            }
          }
        }
        const out = dW + (<usize>((a * kw + b) * c * co + o) << 2);
        const row = dyPixel; // one input channel's row of dW is co floats
        v128.store(out, s0a); v128.store(out, s0b, 16);
        if (c > 1) { v128.store(out + row, s1a); v128.store(out + row, s1b, 16); }
        if (c > 2) { v128.store(out + 2 * row, s2a); v128.store(out + 2 * row, s2b, 16); }
        if (c > 3) { v128.store(out + 3 * row, s3a); v128.store(out + 3 * row, s3b, 16); }
      }
    }
  }
}
