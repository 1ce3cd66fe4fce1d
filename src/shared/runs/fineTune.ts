// fastai's `fine_tune(epochs, base_lr, freeze_epochs=1, lr_mult=100)` as a run of an experiment: the
// body frozen for `freezeEpochs` (only the head trains), then everything unfrozen with discriminative
// learning rates from lr/lrMult (module 0) up to lr (the head), under a one-cycle schedule. A sweep
// compares it with "frozen backbone" and "fine-tune everything" from the same file, weights and seed
// (`train --fine-tune`), and run.json records the recipe so that a resumed run keeps it.
//
// Where it differs from fastai (the experiment's types allow one schedule per run): fastai runs two
// one-cycles (the head phase at lr, then the unfrozen phase at lr/2); here one one-cycle spans the
// run, with fastai's second-cycle settings (pct_start 0.3, div 5, final div 1e5).
import type { Experiment, FreezeSpec, LrSchedule } from '../experiment/types';
import { freezeBackboneSpec } from '../freeze';
import { formatFreeze } from '../freezeText';
import type { ModelSummary } from '../model/types';

export interface FineTuneRecipe {
  /** Epochs with the body frozen (fastai's `freeze_epochs`). */
  freezeEpochs: number;
  /** Module 0 trains at lr / lrMult once unfrozen, the head at lr (fastai's `lr_mult`). */
  lrMult: number;
}

/** fastai's defaults. */
export const FASTAI_FINE_TUNE: FineTuneRecipe = { freezeEpochs: 1, lrMult: 100 };

export const FINE_TUNE_ONE_CYCLE: LrSchedule = { kind: 'onecycle', pctStart: 0.3, divFactor: 5, finalDivFactor: 1e5 };

/** What the head-first phase freezes: the body, as fastai's `freeze()` (the backbone: section, else
 *  every module but the last). */
export function fineTuneHeadFreeze(model: ModelSummary): FreezeSpec {
  return freezeBackboneSpec(model);
}

/** The experiment as a fine_tune run trains it: `headFreeze` for the first `freezeEpochs`, then
 *  nothing frozen; a geometric lr range over the modules; one-cycle. Replaces the experiment's own
 *  freeze schedule, multipliers and schedule (the recipe is the whole point of the run). */
export function fineTuneExperiment(exp: Experiment, headFreeze: FreezeSpec, recipe: FineTuneRecipe): Experiment {
  const train = { ...exp.train };
  delete train.lrMult;
  return {
    ...exp,
    freeze: headFreeze,
    freezeSchedule: {
      kind: 'schedule',
      phases: [
        { epochs: recipe.freezeEpochs, freeze: headFreeze },
        // The last phase lasts to the end of the run, whatever its count says.
        { epochs: Math.max(1, exp.train.epochs - recipe.freezeEpochs), freeze: 0 },
      ],
    },
    train: { ...train, lrRange: { min: exp.train.lr / recipe.lrMult, max: exp.train.lr }, schedule: FINE_TUNE_ONE_CYCLE },
  };
}

/** "fine_tune: freeze 6 for 1 epoch, then all at lr/100…lr, one-cycle" (rows, logs, pickers). */
export function describeFineTune(headFreeze: FreezeSpec, recipe: FineTuneRecipe): string {
  const n = recipe.freezeEpochs;
  return `fine_tune: freeze ${formatFreeze(headFreeze)} for ${n} epoch${n === 1 ? '' : 's'}, then all at lr/${recipe.lrMult}…lr, one-cycle`;
}

/** Whether `x` (run.json, a command argument) is a recipe. */
export function isFineTuneRecipe(x: unknown): x is FineTuneRecipe {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.freezeEpochs === 'number' &&
    Number.isInteger(r.freezeEpochs) &&
    r.freezeEpochs >= 1 &&
    typeof r.lrMult === 'number' &&
    Number.isFinite(r.lrMult) &&
    r.lrMult >= 1
  );
}
