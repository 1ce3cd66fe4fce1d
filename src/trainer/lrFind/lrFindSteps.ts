// The model the LR finder trains: built and loaded exactly as a run's (the same phases, the same
// log lines), held in memory only. Its weights are never written anywhere — the range test trains a
// copy of the pretrained weights and throws it away, so nothing on disk changes.
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import type { DataSources } from '../data/dataset';
import type { ActiveEngine } from '../engines';
import type { TensorPeak } from '../system/tensorPeak';
import { startTorchvisionSteps, TorchvisionEngineError } from '../torchvision/trainTorchvision';
import { TrainingError } from '../train/epochLoop';
import type { StepEngine } from '../train/stepEngine';
import { cacheLimits } from '../cache/cacheDecision';
import { Log, makeSteps, planCache, prepareAndLog } from '../train/trainPhases';

export interface LrFindModel {
  engine: ActiveEngine;
  dataset: DataSources;
  freeze: FreezeSpec;
  noCache: boolean;
  peak: TensorPeak;
  log: Log;
}

/** The step engine for `exp` at `freeze`, with the frozen prefix cached when a run would cache it. */
export async function lrFindSteps(exp: Experiment, m: LrFindModel): Promise<StepEngine> {
  const { engine, dataset, log } = m;
  if (!exp.torchvision) {
    const prepared = await prepareAndLog(exp, dataset, m.freeze, undefined, log);
    const plan = planCache(prepared, dataset.train.count + dataset.val.count, m.noCache, cacheLimits());
    log('info', `frozen-prefix cache: ${plan.used ? 'used' : 'not used'} (${plan.reason})`);
    return makeSteps(engine, prepared, dataset, exp, plan, m.peak, log);
  }
  if (!engine.torch)
    throw new TorchvisionEngineError(`${exp.model} trains on the torch engine only, and the LR finder got '${engine.name}'`);
  const t = await startTorchvisionSteps(exp, engine.torch, dataset, m.freeze, exp.weights, log);
  log('info', `parameters: ${t.trainableParams.toLocaleString('en-US')} trainable of ${t.totalParams.toLocaleString('en-US')}`);
  if (t.trainableParams === 0) {
    t.steps.dispose();
    throw new TrainingError(`freeze ${JSON.stringify(m.freeze)} freezes every parameter: nothing to train; freeze fewer modules`);
  }
  return t.steps;
}
