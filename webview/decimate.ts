// What a chart draws when it has more points than pixels. The x range is cut into about one bucket
// per pixel column; a bucket with more than two points becomes two points at its first and last x,
// and every line gets its minimum and maximum there (in the order they occurred). Drawn, this is the
// same picture as every point (a pixel column shows a line's min-to-max span either way) at a fixed
// cost per chart, whatever the epoch count. All lines share the x array, as uPlot requires.
import { lowerBound } from './align';
import type { Value } from '../src/shared/panel/series';

export interface View {
  x: number[];
  /** One array per line, aligned to `x`. */
  ys: Value[][];
}

/** Decimate only when there are more than this many points per bucket on average. */
const DENSITY = 2;

export class Decimator {
  /** The drawn data. When no decimation is needed this is the full data itself (same arrays). */
  view: View;
  private readonly decimating: boolean;
  private lo = 0;
  private width = 1;
  /** Per output bucket: the full index it starts at, and where its points start in `view`. */
  private bucketStart: number[] = [];
  private outStart: number[] = [];
  private i0 = 0;
  private i1 = 0;

  /**
   * @param x full x (sorted ascending) and `lines` the full lines: kept by reference, so appends to
   *   them are seen by extend().
   * @param buckets about the plot's width in pixels.
   * @param range only this x range is drawn (zoom); default all.
   */
  constructor(
    private readonly x: number[],
    private readonly lines: Value[][],
    private readonly buckets: number,
    private readonly range?: readonly [number, number],
  ) {
    const n = x.length;
    // One point beyond each end of a zoom range, so lines run to the plot's edges.
    this.i0 = range ? Math.max(0, lowerBound(x, range[0]) - 1) : 0;
    this.i1 = range ? Math.min(n, lowerBound(x, range[1]) + 2) : n;
    const count = this.i1 - this.i0;
    this.decimating = count > DENSITY * buckets;
    if (!this.decimating) {
      this.view = range ? { x: x.slice(this.i0, this.i1), ys: lines.map((l) => l.slice(this.i0, this.i1)) } : { x, ys: lines };
      return;
    }
    this.lo = range ? range[0] : x[0];
    const hi = range ? range[1] : x[n - 1];
    this.width = hi > this.lo ? (hi - this.lo) / buckets : 1;
    this.view = { x: [], ys: lines.map(() => []) };
    this.fill(this.i0, this.i1);
  }

  get isDecimating(): boolean {
    return this.decimating;
  }

  /**
   * The full data changed from index `from` on (appended or filled in). Returns false when the
   * view must be rebuilt instead: zoomed, or grown past twice the bucket budget, or undecimated
   * data that now needs decimating.
   */
  extend(from: number): boolean {
    if (this.range) return false;
    const n = this.x.length;
    if (!this.decimating) return n <= DENSITY * this.buckets;
    // Recompute from the bucket holding `from`.
    let b = this.bucketStart.length - 1;
    while (b > 0 && this.bucketStart[b] > from) b--;
    const start = b >= 0 ? this.bucketStart[b] : this.i0;
    const cut = b >= 0 ? this.outStart[b] : 0;
    this.bucketStart.length = Math.max(0, b);
    this.outStart.length = Math.max(0, b);
    this.view.x.length = cut;
    for (const y of this.view.ys) y.length = cut;
    this.i1 = n;
    this.fill(start, n);
    return this.bucketStart.length <= 2 * this.buckets;
  }

  private fill(from: number, to: number): void {
    const { x, lines, view } = this;
    let s = from;
    while (s < to) {
      const b = Math.floor((x[s] - this.lo) / this.width);
      // End of this bucket: the first index whose bucket differs.
      let e = s + 1;
      while (e < to && Math.floor((x[e] - this.lo) / this.width) === b) e++;
      this.bucketStart.push(s);
      this.outStart.push(view.x.length);
      if (e - s <= 2) {
        for (let i = s; i < e; i++) {
          view.x.push(x[i]);
          for (let l = 0; l < lines.length; l++) view.ys[l].push(lines[l][i] ?? null);
        }
      } else {
        view.x.push(x[s], x[e - 1]);
        for (let l = 0; l < lines.length; l++) {
          const line = lines[l];
          let min: number | null = null;
          let max: number | null = null;
          let iMin = 0;
          let iMax = 0;
          for (let i = s; i < e; i++) {
            const v = line[i];
            if (v === null || v === undefined) continue;
            if (min === null || v < min) {
              min = v;
              iMin = i;
            }
            if (max === null || v > max) {
              max = v;
              iMax = i;
            }
          }
          const out = view.ys[l];
          if (iMin <= iMax) out.push(min, max);
          else out.push(max, min);
        }
      }
      s = e;
    }
  }
}
