// TensorBoard's scalar smoothing: a debiased exponential moving average. With weight w,
// last = last*w + (1-w)*v, starting from 0, and the shown value is last / (1 - w^n) where n counts
// the finite points so far (this removes the pull towards the initial 0). Non-finite points are
// passed through and do not advance the average; a constant series is returned as is (TensorBoard
// does this to avoid floating-point wobble on flat lines).
import type { Value } from '../src/shared/panel/series';

/** The slider's range: 0 (off) … 0.999, as TensorBoard's. */
export const MAX_SMOOTHING = 0.999;

export function clampWeight(w: number): number {
  if (!Number.isFinite(w) || w <= 0) return 0;
  return Math.min(w, MAX_SMOOTHING);
}

function isFiniteValue(v: Value | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The whole series smoothed, exactly as TensorBoard computes it. */
export function emaSmooth(values: readonly Value[], weight: number): Value[] {
  const w = clampWeight(weight);
  if (w === 0) return values.slice();
  const first = values[0];
  if (values.every((v) => v === first)) return values.slice();
  const out: Value[] = new Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!isFiniteValue(v)) {
      out[i] = v ?? null;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

/**
 * The same average computed point by point, for live appends without recomputing the series.
 * While every point so far is equal it returns the point itself (TensorBoard's constant case);
 * afterwards it agrees with `emaSmooth` over the same points to floating-point rounding.
 */
export class EmaSmoother {
  private last = 0;
  private n = 0;
  private constant = true;
  private first: Value | undefined;
  readonly weight: number;

  constructor(weight: number) {
    this.weight = clampWeight(weight);
  }

  next(v: Value): Value {
    if (this.first === undefined) this.first = v;
    else if (v !== this.first) this.constant = false;
    if (!isFiniteValue(v)) return v;
    if (this.weight === 0) return v;
    this.last = this.last * this.weight + (1 - this.weight) * v;
    this.n++;
    return this.constant ? v : this.last / (1 - Math.pow(this.weight, this.n));
  }
}
