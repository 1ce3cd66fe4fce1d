// uPlot draws series that share one x array. Runs have their own x values (epochs usually match,
// wall times never do), so the chart's x is the sorted union of every run's x, and each run's lines
// hold null where the run has no point (drawn across with spanGaps).
import type { Value } from '../src/shared/panel/series';

/** One run: an x per point and one or more lines (y per point) over the same x. */
export interface Track {
  x: readonly Value[];
  ys: ReadonlyArray<readonly Value[]>;
}

export interface Aligned {
  x: number[];
  /** ys[track][line][i] is the track's value at x[i], or null. */
  ys: Value[][][];
}

/** The track's points with a usable x, sorted by x; of points with equal x the last one wins. */
function sortedPoints(t: Track): { x: number[]; ys: Value[][] } {
  const n = t.x.length;
  let sorted = true;
  let prev = -Infinity;
  let allFinite = true;
  for (let i = 0; i < n; i++) {
    const v = t.x[i];
    if (v === null || !Number.isFinite(v)) {
      allFinite = false;
      continue;
    }
    if (v <= prev) sorted = false;
    prev = v;
  }
  if (sorted && allFinite) return { x: t.x as number[], ys: t.ys as Value[][] };
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = t.x[i];
    if (v !== null && Number.isFinite(v)) idx.push(i);
  }
  // Stable sort keeps file order among equal x, so the later point overwrites the earlier below.
  idx.sort((a, b) => (t.x[a] as number) - (t.x[b] as number));
  const x: number[] = [];
  const ys: Value[][] = t.ys.map(() => []);
  for (const i of idx) {
    const xv = t.x[i] as number;
    if (x.length && x[x.length - 1] === xv) {
      t.ys.forEach((line, l) => (ys[l][ys[l].length - 1] = line[i] ?? null));
    } else {
      x.push(xv);
      t.ys.forEach((line, l) => ys[l].push(line[i] ?? null));
    }
  }
  return { x, ys };
}

/** `line` placed at from…to of a new array of `length`, null elsewhere. Built by slice/push so
 *  the array stays packed (holey arrays are markedly slower to scan while drawing). */
function padded(line: readonly Value[], from: number, to: number, length: number): Value[] {
  const out: Value[] = from === 0 && line.length === to - from ? line.slice() : [];
  if (out.length === 0) {
    for (let i = 0; i < from; i++) out.push(null);
    for (let i = from; i < to; i++) out.push(line[i - from] ?? null);
  }
  while (out.length < length) out.push(null);
  return out;
}

/** Aligns tracks on the union of their x values. */
export function alignTracks(tracks: readonly Track[]): Aligned {
  const pts = tracks.map(sortedPoints);
  // Fast path (epochs of runs of one sweep): every track's x is a prefix of the longest one's.
  let longest = pts[0]?.x ?? [];
  for (const p of pts) if (p.x.length > longest.length) longest = p.x;
  const prefix = pts.every((p) => {
    for (let i = 0; i < p.x.length; i++) if (p.x[i] !== longest[i]) return false;
    return true;
  });
  if (prefix) {
    const n = longest.length;
    return { x: longest.slice(), ys: pts.map((p) => p.ys.map((line) => padded(line, 0, p.x.length, n))) };
  }
  let total = 0;
  for (const p of pts) total += p.x.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const p of pts) for (const v of p.x) all[k++] = v;
  all.sort();
  const x: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) x.push(all[i]);
  const ys = pts.map((p) =>
    p.ys.map((line) => {
      const out: Value[] = new Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = null;
      let j = 0;
      for (let i = 0; i < p.x.length; i++) {
        while (x[j] < p.x[i]) j++;
        out[j] = line[i] ?? null;
      }
      return out;
    }),
  );
  return { x, ys };
}

/** Index of the first element of sorted `a` that is >= v. */
export function lowerBound(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Adds new points of track `t` in place: a point at an x the chart has is written there, a point
 * beyond the last x extends every line by one. Returns the lowest index written (x.length when
 * nothing was), or -1 when a point falls between existing x values: the caller must then rebuild
 * with alignTracks (`a` is partly updated by then).
 */
export function appendToAligned(a: Aligned, t: number, x: readonly Value[], ys: ReadonlyArray<readonly Value[]>): number {
  let lowest = a.x.length;
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (xv === null || !Number.isFinite(xv)) continue;
    let at: number;
    const last = a.x.length ? a.x[a.x.length - 1] : -Infinity;
    if (xv > last) {
      a.x.push(xv);
      for (const track of a.ys) for (const line of track) line.push(null);
      at = a.x.length - 1;
    } else {
      at = xv === last ? a.x.length - 1 : lowerBound(a.x, xv);
      if (a.x[at] !== xv) return -1;
    }
    const lines = a.ys[t];
    for (let l = 0; l < lines.length; l++) lines[l][at] = ys[l][i] ?? null;
    if (at < lowest) lowest = at;
  }
  return lowest;
}
