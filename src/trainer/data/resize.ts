// Bilinear resize (half-pixel centres, like tf.image.resizeBilinear with halfPixelCenters) with an
// area average when shrinking by more than 2x, so thin strokes do not vanish.

/** Resizes an h×w×c float image to size×size×c. */
export function resizeImage(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  if (h === outH && w === outW) return src;
  if (h >= 2 * outH && w >= 2 * outW) return areaResize(src, h, w, c, outH, outW);
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k];
        const b = src[(y0 * w + x1) * c + k];
        const d = src[(y1 * w + x0) * c + k];
        const e = src[(y1 * w + x1) * c + k];
        out[(y * outW + x) * c + k] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

function areaResize(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    const ya = Math.floor((y * h) / outH);
    const yb = Math.max(ya + 1, Math.floor(((y + 1) * h) / outH));
    for (let x = 0; x < outW; x++) {
      const xa = Math.floor((x * w) / outW);
      const xb = Math.max(xa + 1, Math.floor(((x + 1) * w) / outW));
      const n = (yb - ya) * (xb - xa);
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let yy = ya; yy < yb; yy++) for (let xx = xa; xx < xb; xx++) s += src[(yy * w + xx) * c + k];
        out[(y * outW + x) * c + k] = s / n;
      }
    }
  }
  return out;
}
