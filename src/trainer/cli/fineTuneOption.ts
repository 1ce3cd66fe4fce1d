// `train --fine-tune`: the run trains as fastai's fine_tune (shared/runs/fineTune.ts). The head-first
// phase freezes `--freeze` when given, else the model's body (its backbone: section, else all but
// the last module). A resumed run takes its recipe from its run.json, so the flag is refused there.
import { loadExperiment, formatDiagnostics } from '../../shared/experiment/parse';
import type { FreezeSpec } from '../../shared/experiment/types';
import { validateFreeze } from '../../shared/freeze';
import { freezesNothing } from '../../shared/panel/comparability';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { FASTAI_FINE_TUNE, fineTuneHeadFreeze, type FineTuneRecipe } from '../../shared/runs/fineTune';
import { experimentFileUsesYolov5 } from '../../shared/yolov5/experimentTrainer';
import { UsageError } from './args';

export interface FineTuneStart {
  /** The freeze of the head-first phase (run.json's `freeze`). */
  freeze: FreezeSpec;
  recipe: FineTuneRecipe;
}

export async function fineTuneOption(experimentFile: string, freeze: FreezeSpec | undefined, resume: boolean): Promise<FineTuneStart> {
  if (resume)
    throw new UsageError('--fine-tune with --resume: a resumed run keeps the schedule its run.json records; leave --fine-tune out');
  if (await experimentFileUsesYolov5(experimentFile))
    throw new UsageError("--fine-tune: YOLOv5's train.py has no freeze schedule or per-module learning rates");
  const exp = await loadExperiment(experimentFile);
  const { summary, diagnostics } = await loadExperimentModel(exp);
  if (!summary) throw new Error(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
  const head = freeze ?? fineTuneHeadFreeze(summary);
  const errors = validateFreeze(summary, head, { file: '--freeze', line: 1, column: 1 }).filter((d) => d.severity === 'error');
  if (errors.length) throw new UsageError(`--fine-tune --freeze: ${errors.map((d) => d.message).join('; ')}`);
  if (freezesNothing(head))
    throw new UsageError('--fine-tune needs a head-first phase that freezes something: pass --freeze N (N ≥ 1) or leave --freeze out');
  return { freeze: head, recipe: FASTAI_FINE_TUNE };
}
