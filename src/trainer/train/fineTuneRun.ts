// The experiment a run trains: the file as written, or, for a fine_tune run (run.json's `fineTune`,
// set by `train --fine-tune` and kept on resume), the file turned into fastai's recipe.
import type { Experiment } from '../../shared/experiment/types';
import type { RunRecord } from '../../shared/runFolder/contract';
import { describeFineTune, fineTuneExperiment } from '../../shared/runs/fineTune';

export function asRecorded(exp: Experiment, record: RunRecord, log: (level: 'info' | 'warn', msg: string) => void): Experiment {
  const recipe = record.fineTune;
  if (!recipe) return exp;
  log('info', `${describeFineTune(record.freeze, recipe)} (lr ${exp.train.lr})`);
  const own = [
    exp.freezeSchedule ? 'freeze schedule' : '',
    exp.train.lrMult ? 'lrMult' : '',
    exp.train.lrRange ? 'lr range' : '',
    exp.train.schedule ? 'lr schedule' : '',
  ].filter(Boolean);
  if (own.length)
    log('warn', `the experiment's own ${own.join(', ')} ${own.length === 1 ? 'is' : 'are'} replaced by the fine_tune recipe in this run`);
  return fineTuneExperiment(exp, record.freeze, recipe);
}
