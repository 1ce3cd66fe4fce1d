// The freeze values of a sweep, planned the same way whether it trains here (`transfer-lab sweep`)
// or on Slurm (`sweep … --slurm`): the standard three for the model, or the --freeze values, each
// checked against the model (a bad value stops the sweep before anything trains) and deduplicated.
import type { FreezeSpec } from '../../shared/experiment/types';
import { validateFreeze } from '../../shared/freeze';
import { formatFreeze } from '../../shared/freezeText';
import type { ModelSummary } from '../../shared/model/types';
import { sameFreeze, standardFreezeChoices } from '../../shared/runs/sweepPlan';
import { UsageError } from './args';
import { FASTAI_FINE_TUNE, fineTuneHeadFreeze, type FineTuneRecipe } from '../../shared/runs/fineTune';

export interface PlannedFreeze {
  /** With `fineTune`: the freeze of the head-first phase. */
  freeze: FreezeSpec;
  /** "nothing frozen", "backbone", "all but head", "fine_tune", or '' for a custom value. */
  label: string;
  /** A fine_tune run (`train --fine-tune`) rather than one freeze for the whole run. */
  fineTune?: FineTuneRecipe;
}

/** The plan with the fine_tune run (fastai's recipe, body frozen first) added at its end. */
export function withFineTune(model: ModelSummary, plan: PlannedFreeze[]): PlannedFreeze[] {
  return [...plan, { freeze: fineTuneHeadFreeze(model), label: 'fine_tune', fineTune: FASTAI_FINE_TUNE }];
}

/** What each freeze value of the sweep means for this model; no custom values (undefined or
 *  empty) means the standard set. Throws a UsageError naming each invalid --freeze value. */
export function planFreezes(model: ModelSummary, custom: readonly FreezeSpec[] | undefined): PlannedFreeze[] {
  const standard = standardFreezeChoices(model);
  if (!custom?.length) return standard.map((c) => ({ freeze: c.freeze, label: c.label }));
  const out: PlannedFreeze[] = [];
  for (const f of custom) {
    const errors = validateFreeze(model, f, { file: '--freeze', line: 1, column: 1 }).filter((d) => d.severity === 'error');
    if (errors.length) throw new UsageError(errors.map((d) => `--freeze ${formatFreeze(f)}: ${d.message}`).join('\n'));
    if (out.some((o) => sameFreeze(o.freeze, f))) continue;
    out.push({ freeze: f, label: standard.find((c) => sameFreeze(c.freeze, f))?.label ?? '' });
  }
  return out;
}
