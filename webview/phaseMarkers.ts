// What the panel draws for learning rates and freeze schedules, as data: the learning-rate chart's
// points (every step's rate from `lr_steps` where the trainer recorded them, else `lr` at each
// epoch's end) and the phase changes (an epoch whose `phase` differs from the previous epoch's: an
// unfreeze, or a freeze) that every chart marks with a labelled vertical line. Pure: unit-tested.
import type { RunPhase } from '../src/shared/runFolder/contract';
import { formatFreeze } from '../src/shared/freezeText';
import { xValues, type SeriesColumns, type Value, type XAxisMode } from '../src/shared/panel/series';

/**
 * One run's learning-rate points on the chart's x. An epoch with recorded steps spreads them evenly
 * over the epoch (epoch axis: the unit before its x; time axes: its `epoch_seconds` before its end),
 * its last step at the epoch's end, where the other charts put the epoch's point.
 */
export function lrTrack(cols: SeriesColumns, mode: XAxisMode, startedAt?: string): { x: Value[]; y: Value[] } {
  const xs = xValues(cols, mode, startedAt);
  const x: Value[] = [];
  const y: Value[] = [];
  cols.epoch.forEach((_e, i) => {
    const end = xs[i];
    if (end === null) return;
    const steps = cols.lrSteps?.[i];
    const width = mode === 'epoch' ? 1 : cols.values.epoch_seconds[i];
    if (steps?.length && width !== null && width > 0) {
      const n = steps.length;
      steps.forEach((lr, k) => {
        x.push(end - (width * (n - 1 - k)) / n);
        y.push(lr);
      });
    } else {
      x.push(end);
      y.push(cols.values.lr[i]);
    }
  });
  return { x, y };
}

export interface PhaseMarker {
  /** Where the new phase begins on the chart's x: the end of the epoch before it. */
  x: number;
  /** The first epoch of the new phase. */
  epoch: number;
  /** 0-based phase index. */
  phase: number;
  /** "freeze 6 → 0" when run.json's phases say what each froze, else "phase 1 → 2". */
  label: string;
}

/** The run's phase changes, in epoch order (none for a run without phases). */
export function phaseMarkers(cols: SeriesColumns, mode: XAxisMode, phases?: readonly RunPhase[], startedAt?: string): PhaseMarker[] {
  const ph = cols.values.phase;
  const out: PhaseMarker[] = [];
  let xs: Value[] | undefined;
  for (let i = 1; i < ph.length; i++) {
    const prev = ph[i - 1];
    const cur = ph[i];
    if (prev === null || cur === null || prev === cur) continue;
    xs ??= xValues(cols, mode, startedAt);
    const x = xs[i - 1];
    if (x === null) continue;
    const from = phases?.[prev]?.freeze;
    const to = phases?.[cur]?.freeze;
    const label =
      from !== undefined && to !== undefined ? `freeze ${formatFreeze(from)} → ${formatFreeze(to)}` : `phase ${prev + 1} → ${cur + 1}`;
    out.push({ x, epoch: cols.epoch[i], phase: cur, label });
  }
  return out;
}
