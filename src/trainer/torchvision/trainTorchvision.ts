// `transfer-lab train` for `model: torchvision:<builder>`: the same run folder, progress lines,
// metrics and checkpoints as any run (epochLoop), with the model built and trained by the torch
// engine's worker. Only PyTorch builds these models, so the engine is checked before a run folder
// exists: a forced tfjs engine or a missing PyTorch/torchvision is a message, and nothing is left behind.
import * as path from 'node:path';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { probeTorchPython, TorchPythonError } from '../../shared/torchvision/python';
import { UserError } from '../../shared/userError';
import { requestedEngine } from '../engines';
import type { RunFolder } from '../run/runFolder';
import type { StopRequests } from '../run/stopRequests';
import { probeTorch } from '../torch/probeTorch';
import { TrainingError } from '../train/epochLoop';
import { loadData, Log, reportStart, resumePoint, runEpochs, startEngine } from '../train/trainPhases';
import type { Reporter } from '../cli/progress';
import { STATE_DICT_FILE, stateDictSha256 } from './checkpoint';
import { TorchvisionSteps, type TorchvisionStart } from './torchvisionSteps';
import type { ActiveEngine } from '../engines';
import type { DataSources } from '../data/dataset';
import { freezeToBuild } from '../train/freezePhases';
import { recordPhases } from '../train/phaseSwitch';
import { torchvisionPhases } from './torchvisionPhases';

export class TorchvisionEngineError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TorchvisionEngineError';
  }
}

const INSTALL =
  "install PyTorch and torchvision for it (Debian/Ubuntu: `sudo apt install python3-torch python3-torchvision`; elsewhere `<python> -m pip install torch torchvision`) or name a Python that has them (the experiment's `python:`, the transferLab.python setting, or the Python extension's interpreter)";

/** Throws, naming the Python tried and what to install, unless the torch engine can train `exp`'s torchvision model. */
export async function checkTorchvisionEngine(exp: Experiment, engineFlag: string | undefined): Promise<void> {
  const label = exp.model;
  const requested = requestedEngine(engineFlag);
  const probe = await probeTorch(exp.python);
  if (requested && requested !== 'torch') {
    throw new TorchvisionEngineError(
      `${exp.file}: ${label} is a PyTorch model: only the torch engine trains it, but the ${engineFlag ? '--engine flag' : 'TRANSFER_LAB_ENGINE environment (the transferLab.engine setting)'} forces '${requested}'; ` +
        `drop it or use --engine torch (PyTorch: ${probe.available ? probe.reason : `not found: ${probe.reason}`})`,
    );
  }
  if (!probe.available)
    throw new TorchvisionEngineError(
      `${exp.file}: ${label} is a PyTorch model, trained only by the torch engine, and no Python with PyTorch was found: ${probe.reason}`,
    );
  try {
    await probeTorchPython({ command: probe.python!, source: probe.source ?? '' });
  } catch (e) {
    if (e instanceof TorchPythonError)
      throw new TorchvisionEngineError(
        `${exp.file}: ${label} needs torchvision: ${probe.python} (${probe.source}) has PyTorch ${probe.torch} but no torchvision; ${INSTALL}`,
      );
    throw e;
  }
}

/** The worker with `exp`'s torchvision model at `freeze`, from `weights`, reading the run's data sources. */
export function startTorchvisionSteps(
  exp: Experiment,
  torch: NonNullable<ActiveEngine['torch']>,
  dataset: DataSources,
  freeze: FreezeSpec,
  weights: string | undefined,
  log: Log,
): Promise<TorchvisionStart> {
  const s = exp.train;
  return TorchvisionSteps.start({
    python: torch.python,
    device: torch.device,
    builder: exp.torchvision!.builder,
    weights,
    numClasses: dataset.classes.length,
    freeze,
    train: dataset.train,
    val: dataset.val,
    optimizer: s.optimizer,
    lr: s.lr,
    seed: s.seed,
    log,
  });
}

/** What of runTraining's options a torchvision run reads. */
export interface TorchvisionRunOptions {
  engine?: string;
  noCache: boolean;
  resume: boolean;
  reporter: Reporter;
}

export async function trainTorchvision(
  exp: Experiment,
  run: RunFolder,
  o: TorchvisionRunOptions,
  log: Log,
  stop: StopRequests,
): Promise<'finished' | 'stopped'> {
  const rec = run.record;
  const epochs = rec.epochs ?? exp.train.epochs;
  const engine = await startEngine(exp, run, o.engine, o.noCache, 0, log); // a torchvision step is not sized: no images needed
  if (!engine.torch) throw new TorchvisionEngineError(`${exp.model} trains on the torch engine only, and the run got '${engine.name}'`);
  const dataset = loadData(exp, log);
  try {
    const resume = resumePoint(run, o.resume, epochs, log);
    const phases = recordPhases(exp, run, epochs, log);
    const freeze = freezeToBuild(phases, rec.freeze, resume);
    // Resume: the run's own state dict (classifier included) instead of the experiment's weights.
    const weights = resume.resumeFile ? path.join(path.dirname(resume.resumeFile), STATE_DICT_FILE) : exp.weights;
    const t = await startTorchvisionSteps(exp, engine.torch, dataset, freeze, weights, log);
    const steps = t.steps;
    try {
      if (weights)
        log(
          'info',
          `weights ${weights}${t.classifierLoaded ? '' : ` (classifier ${t.classifier} newly initialised for ${dataset.classes.length} classes)`}`,
        );
      else log('info', `${exp.model} from random weights; classifier ${t.classifier} for ${dataset.classes.length} classes`);
      log(
        'info',
        `freeze ${JSON.stringify(freeze)}: ${t.frozen.length ? `frozen children ${t.frozen.join(', ')} (batch norm in inference mode)` : 'nothing frozen'}`,
      );
      log('info', `parameters: ${t.trainableParams.toLocaleString('en-US')} trainable of ${t.totalParams.toLocaleString('en-US')}`);
      if (t.trainableParams === 0)
        throw new TrainingError(`freeze ${JSON.stringify(freeze)} freezes every parameter: nothing to train; freeze fewer modules`);
      const cache = { used: false, reason: "a torchvision model's children are not a chain its frozen prefix can be cut from" };
      log('info', `frozen-prefix cache: not used (${cache.reason})`);
      const localWeights =
        exp.weights && !exp.weights.startsWith('torchvision:') && !resume.resumeFile ? { weightsSha256: stateDictSha256(exp.weights) } : {};
      run.update({ trainableParams: t.trainableParams, totalParams: t.totalParams, cache, ...localWeights });
      reportStart(o.reporter, run, engine, epochs, t);
      const switcher = await torchvisionPhases(exp, steps, phases, rec.freeze, log);
      return await runEpochs({
        ...{ exp, run, steps, reporter: o.reporter, stop, log, engine, dataset, resume, epochs },
        ...{ output: 'logits', phases: switcher },
      });
    } finally {
      steps.dispose();
    }
  } finally {
    await dataset.close();
  }
}
