// A chart's data, apart from its drawing: every run's points of the chart's lines aligned on one x
// (raw, and smoothed after each raw when smoothing is on), each run's own x for hovering, and the
// smoothers that continue the average when epochs are appended. ChartView decides when and how to
// draw; this module only knows what the points are.
import { alignTracks, appendToAligned, type Aligned, type Track } from './align';
import type { ChartDef, ChartLine } from './charts';
import type { StoredRun } from './runStore';
import { hasAny, xValues, type Value, type XAxisMode } from '../src/shared/panel/series';
import { EmaSmoother } from './smoothing';
import { lrTrack } from './phaseMarkers';

export interface ChartSettings {
  xAxis: XAxisMode;
  smoothing: number;
  logScale: boolean;
}

/** What one drawn series is: which run, which line, raw or smoothed. */
export interface SeriesRef {
  run: number;
  line: ChartLine;
  smoothed: boolean;
}

export interface ChartSeries {
  /** The chart's lines some run has a value for. */
  readonly lines: ChartLine[];
  /** Run names in store order (index = run index of `refs` and `full.ys`). */
  readonly runNames: string[];
  /** Every point: x union and per run its lines (raw, and smoothed after each raw when smoothing). */
  readonly full: Aligned;
  /** full.ys flattened: the same arrays, one per drawn series. */
  readonly flat: Value[][];
  /** Per run its own x values (for hover), in store order. */
  readonly runX: Value[][];
  /** smoothers[run][line], continuing the average for appended points. */
  readonly smoothers: EmaSmoother[][];
  readonly refs: SeriesRef[];
}

/** A log scale cannot show zero or negative values: those become gaps. */
function transform(values: Value[], log: boolean): Value[] {
  return log ? values.map((v) => (v !== null && v > 0 ? v : null)) : values;
}

/** The chart's lines that at least one of `runs` has a value for. */
export function chartLines(def: ChartDef, runs: readonly StoredRun[]): ChartLine[] {
  return def.lines.filter((l) =>
    hasAny(
      runs.map((r) => r.cols),
      l.key,
    ),
  );
}

/** Every point of `runs` on `lines`, aligned on one x. */
export function buildSeries(lines: ChartLine[], runs: readonly StoredRun[], settings: ChartSettings): ChartSeries {
  const { xAxis, smoothing, logScale } = settings;
  const smoothOn = smoothing > 0;
  const smoothers: EmaSmoother[][] = [];
  const refs: SeriesRef[] = [];
  const runX: Value[][] = [];
  const tracks: Track[] = runs.map((run, r) => {
    // A per-step line has its own x (a point per step); see ChartLine.steps.
    const steps = lines.some((l) => l.steps) ? lrTrack(run.cols, xAxis, run.info.record.startedAt) : undefined;
    const x = steps?.x ?? xValues(run.cols, xAxis, run.info.record.startedAt);
    runX.push(x.slice());
    const ys: Value[][] = [];
    const sms: EmaSmoother[] = [];
    for (const line of lines) {
      const raw = transform(steps?.y ?? run.cols.values[line.key], logScale);
      ys.push(raw);
      refs.push({ run: r, line, smoothed: false });
      if (smoothOn) {
        const sm = new EmaSmoother(smoothing);
        ys.push(raw.map((v) => sm.next(v)));
        sms.push(sm);
        refs.push({ run: r, line, smoothed: true });
      }
    }
    smoothers.push(sms);
    return { x, ys };
  });
  const full = alignTracks(tracks);
  return { lines, runNames: runs.map((r) => r.info.record.name), full, flat: full.ys.flat(), runX, smoothers, refs };
}

/**
 * Adds `run`'s points from index `from` of its columns. Returns the first changed index of the
 * aligned x, or -1 when the series must be rebuilt instead: an unknown run, a metric seen for the
 * first time (top-5, device memory: new lines), or points that do not extend the aligned x.
 */
export function appendSeries(
  s: ChartSeries,
  def: ChartDef,
  stored: StoredRun | undefined,
  run: string,
  from: number,
  settings: ChartSettings,
): number {
  const r = s.runNames.indexOf(run);
  // Per-step lines are rebuilt: a new epoch brings many points (one chart, a few runs: cheap).
  if (r < 0 || !stored || s.lines.some((l) => l.steps)) return -1;
  for (const l of def.lines) {
    if (!s.lines.includes(l) && stored.cols.values[l.key].slice(from).some((v) => v !== null)) return -1;
  }
  const { xAxis, logScale } = settings;
  const x = xValues(stored.cols, xAxis, stored.info.record.startedAt, from);
  s.runX[r].push(...x);
  const ys: Value[][] = [];
  s.lines.forEach((line, l) => {
    const raw = transform(stored.cols.values[line.key].slice(from), logScale);
    ys.push(raw);
    const sm = s.smoothers[r][l];
    if (sm) ys.push(raw.map((v) => sm.next(v)));
  });
  return appendToAligned(s.full, r, x, ys);
}
