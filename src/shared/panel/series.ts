// A run's metrics as columns (one array per metric) rather than one object per epoch: compact to
// post to the webview, and what the charts consume directly.
import type { EpochMetrics } from '../runFolder/contract';

export const METRIC_KEYS = [
  'train/loss',
  'val/loss',
  'val/accuracy',
  'val/top5',
  'val/mAP_0.5',
  'val/mAP_0.5:0.95',
  'lr',
  'epoch_seconds',
  'images_per_second',
  'tensor_bytes',
  'peak_tensor_bytes',
  'rss_bytes',
  'device_util',
  'device_memory_bytes',
  // The freeze schedule's phase (0-based) of the epoch, for the phase-change markers (phaseMarkers.ts).
  'phase',
] as const;

export type MetricKey = (typeof METRIC_KEYS)[number];

/** A missing or non-finite value is null (a gap in a chart, an empty CSV cell). */
export type Value = number | null;

export interface SeriesColumns {
  epoch: number[];
  /** Epoch end, milliseconds since 1970 (null when the line's time did not parse). */
  time: Value[];
  values: Record<MetricKey, Value[]>;
  /** Per epoch the learning rate at each of its steps (`lr_steps`), null where not recorded; absent
   *  when no epoch recorded any (the learning-rate chart then draws `lr` per epoch). */
  lrSteps?: Array<number[] | null>;
}

export function emptyColumns(): SeriesColumns {
  const values = {} as Record<MetricKey, Value[]>;
  for (const k of METRIC_KEYS) values[k] = [];
  return { epoch: [], time: [], values };
}

function finiteOrNull(v: unknown): Value {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Appends epochs to `cols` in place; returns `cols`. */
export function appendEpochs(cols: SeriesColumns, epochs: readonly EpochMetrics[]): SeriesColumns {
  for (const e of epochs) {
    cols.epoch.push(e.epoch);
    const t = Date.parse(e.time);
    cols.time.push(Number.isFinite(t) ? t : null);
    for (const k of METRIC_KEYS) cols.values[k].push(finiteOrNull(e[k]));
    const steps = Array.isArray(e.lr_steps) && e.lr_steps.length ? e.lr_steps.filter((v) => Number.isFinite(v)) : null;
    // Created at the first epoch that has steps, with nulls for the epochs before it.
    if (steps && !cols.lrSteps) cols.lrSteps = cols.epoch.slice(0, -1).map(() => null);
    cols.lrSteps?.push(steps);
  }
  return cols;
}

export function toColumns(epochs: readonly EpochMetrics[]): SeriesColumns {
  return appendEpochs(emptyColumns(), epochs);
}

export function lastEpoch(cols: SeriesColumns): number | undefined {
  return cols.epoch.length ? cols.epoch[cols.epoch.length - 1] : undefined;
}

/** Whether any epoch of any of the columns has a value for `key`. */
export function hasAny(cols: Iterable<SeriesColumns>, key: MetricKey): boolean {
  for (const c of cols) if (c.values[key].some((v) => v !== null)) return true;
  return false;
}

export type XAxisMode = 'epoch' | 'wall' | 'relative';

/**
 * The x value of every epoch of a run (from index `from` on): the epoch number, the wall-clock time
 * (seconds since 1970, what uPlot's time axis expects), or seconds since the run started
 * (TensorBoard's "relative"). The start is `startedAt` when known, else the first epoch's end minus
 * its duration.
 */
export function xValues(cols: SeriesColumns, mode: XAxisMode, startedAt?: string, from = 0): Value[] {
  if (mode === 'epoch') return cols.epoch.slice(from);
  if (mode === 'wall') return cols.time.slice(from).map((t) => (t === null ? null : t / 1000));
  let start = startedAt ? Date.parse(startedAt) : NaN;
  if (!Number.isFinite(start)) {
    const t0 = cols.time[0];
    const d0 = cols.values.epoch_seconds[0];
    start = t0 === null || t0 === undefined ? NaN : t0 - (d0 ?? 0) * 1000;
  }
  return cols.time.slice(from).map((t) => (t === null || !Number.isFinite(start) ? null : (t - start) / 1000));
}
