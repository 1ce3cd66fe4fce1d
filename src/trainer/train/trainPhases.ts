// The phases of a run before its epochs, each with its log lines: the engine, the data, the resume
// point, the model (built, weights loaded, frozen) and the step engine that will train it.
import * as path from 'node:path';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { cacheLimits, CacheLimits, decideCache } from '../cache/cacheDecision';
import { estimateCost, stepFlops } from '../cost/estimateCost';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { DataSources } from '../data/dataset';
import { decodeThreads } from '../data/decodePool';
import { loadDataset } from '../data/loadDataset';
import { activateEngine, ActiveEngine, requestedEngine } from '../engines';
import { readMetadata } from '../model/modelFiles';
import { prepareModel, PreparedModel } from '../model/prepareModel';
import { describePretrained } from '../model/pretrained';
import { autoThreadsRequested, chooseWasmThreads, runCpus } from '../parallel/wasmThreads';
import { RunFolder } from '../run/runFolder';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import type { TensorPeak } from '../system/tensorPeak';
import { TorchSteps } from '../torch/torchSteps';
import { readCheckpoint, TORCHVISION_CHECKPOINT } from '../torchvision/checkpoint';
import type { Reporter } from '../cli/progress';
import type { TransferLabMetadata } from '../model/modelFiles';
import type { StopRequests } from '../run/stopRequests';
import { epochLoop, TrainingError } from './epochLoop';
import { TOP_LOSSES_DEFAULT } from '../predictions/buildPredictions';
import { datasetPredictions } from '../predictions/recorder';
import { CachePlan, planCache } from './frozenCache';
import type { PhaseSwitcher } from './phaseSwitch';
import type { StepEngine } from './stepEngine';
import { runCacheLimits } from './sharedPlan';
import { TfjsSteps } from './tfjsSteps';

export type Log = (level: 'info' | 'warn' | 'error', msg: string) => void;

/**
 * Forward + backward FLOPs of one training step (the whole batch) predicted by the cost model, with
 * the frozen-prefix cache when the run will use it (the same decision as planCache's, for `samples`
 * images); undefined when the model cannot be sized.
 */
export async function predictedStepFlops(
  exp: Experiment,
  freeze: FreezeSpec,
  samples: number,
  noCache: boolean,
  limits: CacheLimits,
): Promise<number | undefined> {
  try {
    const { summary } = await loadExperimentModel(exp);
    if (!summary) return undefined;
    const batch = exp.train.batch;
    const cost = estimateCost(summary, freeze, batch);
    const used = decideCache(cost.cache, cost.cache.bytesPerImage, samples, noCache, limits).used;
    return stepFlops(used ? cost.modules.filter((m) => !m.cached) : cost.modules, batch);
  } catch {
    return undefined;
  }
}

/** Where startEngine reads the freeze and records the engine: a run folder, or the LR finder's result. */
export interface EngineRecord {
  readonly record: { readonly freeze: FreezeSpec };
  /** A run's folder (its runs folder holds the cache); absent for the LR finder, which has none. */
  readonly dir?: string;
  update(patch: { engine: string; device: string }): void;
}

export async function startEngine(
  exp: Experiment,
  run: EngineRecord,
  engineFlag: string | undefined,
  noCache: boolean,
  samples: number,
  log: Log,
): Promise<ActiveEngine> {
  // The step's cost matters only to `auto` threads and to `auto` finding a GPU: predicted (a second
  // read of the model file) only then, and once.
  let predicted: Promise<number | undefined> | undefined;
  // A torchvision model is not sized by the cost model (and needs no threads: it runs on torch).
  const stepCost = (): Promise<number | undefined> =>
    (predicted ??= exp.torchvision
      ? Promise.resolve(undefined)
      : predictedStepFlops(exp, run.record.freeze, samples, noCache, run.dir ? runCacheLimits({ dir: run.dir }) : cacheLimits()));
  const cpus = runCpus();
  const threads = chooseWasmThreads(autoThreadsRequested() ? await stepCost() : undefined, cpus);
  const engine = await activateEngine(requestedEngine(engineFlag), {
    wasmThreads: threads.threads,
    stepFlops: stepCost,
    python: exp.python,
  });
  run.update({ engine: engine.name, device: engine.device });
  log('info', `engine ${engine.name} on ${engine.device}`);
  if (engine.torch) log('info', `  torch worker: ${engine.torch.python}, device ${engine.torch.device}`);
  if (engine.name === 'wasm') log('info', `  wasm threads: ${threads.threads} (${threads.reason}; ${cpus.from})`);
  for (const p of engine.probes)
    if (p.name !== engine.name) log('info', `  ${p.available ? 'also available' : 'not used'}: ${p.name}: ${p.reason}`);
  if (engine.addedKernels.length) log('info', `  training kernels added to ${engine.backend}: ${engine.addedKernels.join(', ')}`);
  return engine;
}

/** Warning lines for the first unreadable files (each is listed in train.log either way). */
const SKIP_WARNINGS = 20;

export function loadData(exp: Experiment, log: Log): DataSources {
  let skips = 0;
  const dataset = loadDataset(exp.data, exp.train.imgsz, exp.train.seed, {
    threads: decodeThreads(runCpus().cpus),
    batch: evalBatchOf(exp),
    // Found while streaming: listed as they are found (a file is skipped once, then left out of every pass).
    onSkip: (file, reason) => {
      skips++;
      log(
        skips <= SKIP_WARNINGS ? 'warn' : 'info',
        `${skips} corrupt image(s) skipped (set data.strict: true to fail instead): ${file}: ${reason}`,
      );
    },
  });
  log('info', dataset.description);
  return dataset;
}

export interface ResumePoint {
  resumeFile?: string;
  startEpoch: number;
  best: number;
  /** The freeze its checkpoint was trained under, when it says (a freeze schedule's run). */
  freeze?: FreezeSpec;
}

/** Resume: weights/last, the epochs it completed, and metrics trimmed to match them. */
export function resumePoint(run: RunFolder, resume: boolean, epochs: number, log: Log): ResumePoint {
  if (!resume) return { startEpoch: 1, best: -Infinity };
  const resumeFile = run.weightsFile('last');
  if (!resumeFile)
    throw new RunFolderError(
      `nothing to resume: ${run.weightsDir('last')} does not exist (the run stopped before its first checkpoint); start a new run`,
    );
  const meta =
    path.basename(resumeFile) === TORCHVISION_CHECKPOINT
      ? readCheckpoint(resumeFile).userDefinedMetadata.transferLab
      : readMetadata(resumeFile);
  const done = meta?.epoch ?? 0;
  if (done >= epochs)
    throw new RunFolderError(
      `run ${run.name} already completed ${done} of ${epochs} epochs; pass --epochs N (N > ${done}) to train longer`,
    );
  let best = -Infinity;
  for (const m of run.truncateMetricsTo(done)) if (m['val/accuracy'] > best) best = m['val/accuracy'];
  run.update({ epochsDone: done, ...(Number.isFinite(best) ? { bestAccuracy: best } : {}) });
  log('info', `resuming at epoch ${done + 1} of ${epochs} from ${resumeFile}`);
  return { resumeFile, startEpoch: done + 1, best, ...(meta?.freeze !== undefined ? { freeze: meta.freeze } : {}) };
}

export async function prepareAndLog(
  exp: Experiment,
  dataset: DataSources,
  freeze: FreezeSpec,
  resumeFile: string | undefined,
  log: Log,
): Promise<PreparedModel> {
  const prepared = await prepareModel({
    modelFile: exp.model,
    weights: exp.weights,
    resumeFrom: resumeFile,
    imageShape: dataset.imageShape,
    classes: dataset.classes.length,
    classNames: dataset.classes,
    seed: exp.train.seed,
    freeze,
  });
  for (const n of prepared.notes) log('info', n);
  if (prepared.pretrained && !resumeFile) {
    const d = describePretrained(prepared.pretrained);
    d.info.forEach((l) => log('info', l));
    d.warn.forEach((l) => log('warn', l));
  }
  const fr = prepared.freeze;
  for (const w of fr.warnings) log('warn', w);
  log(
    'info',
    `freeze ${JSON.stringify(freeze)}: ${fr.frozenModules.length ? `frozen modules ${fr.frozenModules.join(', ')}` : 'nothing frozen'}` +
      (fr.partialModules.length ? `; partly frozen ${fr.partialModules.join(', ')}` : ''),
  );
  log('info', `parameters: ${fr.trainableParams.toLocaleString('en-US')} trainable of ${fr.totalParams.toLocaleString('en-US')}`);
  if (fr.trainableParams === 0)
    throw new TrainingError(`freeze ${JSON.stringify(freeze)} freezes every parameter: nothing to train; freeze fewer modules`);
  return prepared;
}

/** The engine's step engine, with the frozen prefix cached when the plan says so. */
export async function makeSteps(
  engine: ActiveEngine,
  prepared: PreparedModel,
  dataset: DataSources,
  exp: Experiment,
  plan: CachePlan,
  peak: TensorPeak,
  log: Log,
  cached?: (note: string) => void,
): Promise<StepEngine> {
  const s = exp.train;
  const trainSet = dataset.train;
  const valSet = dataset.val;
  let steps: StepEngine;
  if (engine.torch) {
    const t = await TorchSteps.start({
      python: engine.torch.python,
      device: engine.torch.device,
      prepared,
      train: trainSet,
      val: valSet,
      optimizer: s.optimizer,
      lr: s.lr,
      seed: s.seed,
      log,
    });
    const fr = prepared.freeze;
    if (t.totalParams !== fr.totalParams || t.trainableParams !== fr.trainableParams) {
      t.steps.dispose();
      throw new TrainingError(
        `the torch engine counts ${t.trainableParams} trainable of ${t.totalParams} parameters, the model ${fr.trainableParams} of ${fr.totalParams}: the engines disagree; use --engine wasm`,
      );
    }
    steps = t.steps;
  } else {
    steps = new TfjsSteps(prepared, trainSet, valSet, dataset.classes.length, s.optimizer, s.lr, peak, log);
  }
  if (plan.used) {
    const t0 = Date.now();
    // The torch engine keeps its own cache in its worker (not shared between runs: sharedPlan).
    await steps.cachePrefix(plan, evalBatchOf(exp));
    const note = steps.cacheNote;
    log(
      'info',
      `cached the frozen prefix's outputs for ${dataset.train.count + dataset.val.count} images in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        (note ? ` (${note})` : ''),
    );
    if (note) cached?.(note);
  }
  return steps;
}

export function evalBatchOf(exp: Experiment): number {
  return Math.max(exp.train.batch, 64);
}

/** The progress line that opens a run's training: engine, device, epochs and parameter counts. */
export function reportStart(
  reporter: Reporter,
  run: RunFolder,
  engine: ActiveEngine,
  epochs: number,
  params: { trainableParams: number; totalParams: number },
): void {
  const { trainableParams, totalParams } = params; // only these: callers pass their whole freeze summary
  reporter.event({ type: 'start', run: run.name, engine: engine.name, device: engine.device, epochs, trainableParams, totalParams });
}

/** What every kind of run (a tfjs graph, a torchvision model) hands the epoch loop; the rest is the experiment's. */
export interface EpochsToRun {
  exp: Experiment;
  run: RunFolder;
  steps: StepEngine;
  reporter: Reporter;
  stop: StopRequests;
  log: Log;
  engine: ActiveEngine;
  dataset: DataSources;
  resume: ResumePoint;
  epochs: number;
  /** Logits or probabilities: kept in each checkpoint's metadata. */
  output: TransferLabMetadata['output'];
  /** A freeze schedule's or per-module rates' switching (phaseSwitch.ts). */
  phases?: PhaseSwitcher;
}

/** A resumed run's optimizer state first, then the remaining epochs. */
export async function runEpochs(a: EpochsToRun): Promise<'finished' | 'stopped'> {
  const { exp, dataset, resume } = a;
  if (resume.resumeFile) await a.steps.restoreOptimizer(resume.resumeFile);
  const predictions = datasetPredictions(a.run.dir, dataset, exp.train.topLosses ?? TOP_LOSSES_DEFAULT, a.log);
  const ended = await epochLoop({
    run: a.run,
    steps: a.steps,
    reporter: a.reporter,
    stop: a.stop,
    log: a.log,
    startEpoch: resume.startEpoch,
    epochs: a.epochs,
    best: resume.best,
    trainCount: dataset.train.count,
    batch: exp.train.batch,
    evalBatch: evalBatchOf(exp),
    lr: exp.train.lr,
    schedule: exp.train.schedule,
    seed: exp.train.seed,
    gpu: a.engine.gpu,
    beforeEpoch: a.phases?.beforeEpoch,
    meta: (epoch, acc) => ({
      classes: dataset.classes,
      epoch,
      output: a.output,
      experiment: exp.file,
      ...(a.phases?.freezeNow() !== undefined ? { freeze: a.phases.freezeNow() } : {}),
      ...(acc !== undefined ? { valAccuracy: acc } : {}),
    }),
    predictions,
  });
  await predictions.finish();
  return ended;
}

export { planCache };
