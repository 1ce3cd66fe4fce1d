// Each module's learning-rate multiplier as the Modules view shows it, when the experiment sets
// per-module rates (`train.lrMult`, or `lr: [min, max]` spread over the trainable modules): a short
// part of the row's description (`lr ×0.1`, after the parameter count and shape) and a tooltip line
// with the rate it comes to. The values are lrMultipliers.ts's, the function the trainer uses.
// Free of `vscode`: unit-tested with treeRows.
import { moduleLrMultipliers, wouldBeMultiplier } from '../../shared/experiment/lrMultipliers';
import type { FreezeSchedule, FreezeSpec, TrainSettings } from '../../shared/experiment/types';
import type { FreezeSummary } from '../../shared/freeze';

export type LrTrain = Pick<TrainSettings, 'lr' | 'lrMult' | 'lrRange'>;

export interface LrText {
  /** Appended to the row's description: `lr ×0.1`, `lr ×0.1 when unfrozen`. */
  description: string;
  tooltip: string;
}

/** ×0.1, ×0.0316, ×1: three significant digits, no trailing zeros. */
export function formatMult(m: number): string {
  return `×${Number(m.toPrecision(3))}`;
}

function rate(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** The freezes a schedule moves to after its first phase, in order (gradual: one count at a time). */
export function laterFreezes(schedule: FreezeSchedule | undefined): FreezeSpec[] {
  if (!schedule) return [];
  if (schedule.kind === 'schedule') return schedule.phases.slice(1).map((p) => p.freeze);
  const out: FreezeSpec[] = [];
  const step = schedule.from > schedule.to ? -1 : 1;
  for (let f = schedule.from + step; step < 0 ? f >= schedule.to : f <= schedule.to; f += step) out.push(f);
  return out;
}

const trainableIn = (s: FreezeSummary) => (i: number) => s.modules[i].totalLayers > 0 && s.modules[i].state !== 'frozen';

/** Per module: its multiplier text, or undefined (a module without parameters, or an experiment
 *  with one rate for every module: nothing to say that the file's `lr` does not). `later`: the
 *  freeze states of a schedule's later phases; a module frozen now shows the multiplier of the
 *  first phase that unfreezes it (with a range, the spread over that phase's trainable modules). */
export function moduleLrTexts(
  state: FreezeSummary,
  train: LrTrain | undefined,
  later: readonly FreezeSummary[] = [],
): Array<LrText | undefined> {
  const n = state.modules.length;
  if (!train || (!train.lrMult?.length && !train.lrRange)) return state.modules.map(() => undefined);
  const trainable = trainableIn(state);
  const mults = moduleLrMultipliers(train, n, trainable);
  const source = train.lrRange
    ? `lr: [${rate(train.lrRange.min)}, ${rate(train.lrRange.max)}] spread over the trainable modules`
    : 'train.lrMult';
  return state.modules.map((m, i) => {
    if (m.totalLayers === 0) return undefined;
    if (trainable(i)) {
      const mult = formatMult(mults[i]);
      return {
        description: `lr ${mult}`,
        tooltip: `Learning rate ${mult} of lr ${rate(train.lr)} = ${rate(mults[i] * train.lr)} (${source})`,
      };
    }
    const phase = later.find((s) => trainableIn(s)(i));
    if (phase) {
      const then = formatMult(moduleLrMultipliers(train, n, trainableIn(phase))[i]);
      return {
        description: `lr ${then} when unfrozen`,
        tooltip: `Frozen in the first phase; trains at ${then} of lr ${rate(train.lr)} once the schedule unfreezes it (${source})`,
      };
    }
    const would = formatMult(wouldBeMultiplier(train, n, trainable, i));
    return {
      description: `lr ${would} if unfrozen`,
      tooltip: `Frozen: does not train in this experiment; it would train at ${would} of lr ${rate(train.lr)} if unfrozen (${source})`,
    };
  });
}
