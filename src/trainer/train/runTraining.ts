// `transfer-lab train`: experiment → run folder → engine → data → model → epochs. Every outcome ends
// in run.json: finished, stopped (SIGINT/SIGTERM: the current batch finishes, weights/last is
// written, exit 0) or failed (the message, exit 1), without losing a finished epoch.
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { estimateCost, stepFlops } from '../../shared/cost/estimateCost';
import { loadExperiment } from '../../shared/experiment/parse';
import { refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import type { EpochMetrics, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { completedRecord } from '../../shared/runFolder/completedRun';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { slurmExecutorFromEnv } from '../../shared/slurm/jobEnv';
import type { Reporter } from '../cli/progress';
import { loadDataset } from '../data/loadDataset';
import { activateEngine, ActiveEngine, requestedEngine } from '../engines';
import { autoThreadsRequested, chooseWasmThreads, runCpus } from '../parallel/wasmThreads';
import { modelFolderFiles, readMetadata, readOptimizerState, TransferLabMetadata } from '../model/modelFiles';
import { prepareModel, PreparedModel } from '../model/prepareModel';
import { describePretrained } from '../model/pretrained';
import { permutation, seededRandom } from '../random';
import { recordFailure } from '../run/recordFailure';
import { defaultRunName, readFileSafe, refuseIfStillRunning, RunFolder, runToResume, uniqueRunName } from '../run/runFolder';
import { StopRequests } from '../run/stopRequests';
import { DeviceSampler } from '../system/deviceSampler';
import { describeData } from '../data/dataIdentity';
import { processStartTime } from '../system/processStart';
import { TensorPeak } from '../system/tensorPeak';
import { batchTensors, FeatureSet, imageFeatureSet } from './featureSet';
import { buildHead, cacheFeatures, planCache } from './frozenCache';
import { evaluate, makeOptimizer, trainableVariables, trainStep } from './steps';
import { UserError } from '../../shared/userError';

export interface TrainOptions {
  experimentFile: string;
  name?: string;
  freeze?: FreezeSpec;
  engine?: string;
  resume: boolean;
  runsDir?: string;
  epochs?: number;
  noCache: boolean;
  sweep?: string;
  /** Train although the experiment has top-level keys the parser does not know (they are ignored). */
  allowUnknownKeys?: boolean;
  /** Stop (checkpoint, `stopped`) when the starting process goes away: see run/parentWatch.ts. */
  stopWithParent?: boolean;
  reporter: Reporter;
}

/** Training stopped on purpose (NaN loss): a message for the user, no stack. */
class TrainingError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingError';
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the `train` command; resolves to the process exit code. */
export async function runTraining(o: TrainOptions): Promise<number> {
  const rep = o.reporter;
  let run: RunFolder | undefined;
  let runName = o.name ?? '';
  const log = (level: 'info' | 'warn' | 'error', msg: string): void => {
    run?.log(level, msg);
    rep.event({ type: 'log', run: runName, level, message: msg });
  };
  let stop: StopRequests | undefined;
  const peak = new TensorPeak();
  try {
    // Signals before the loop starts also stop cleanly (checked between phases and batches).
    stop = new StopRequests((why) => log('warn', `${why}: stopping after the current batch`), { stopWithParent: o.stopWithParent });
    const exp = await loadExperiment(o.experimentFile);
    // Before any run folder exists: a refused file leaves nothing behind.
    refuseUnknownKeys(exp, o.allowUnknownKeys);
    const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
    const started = new Date().toISOString();
    const pidStartTime = processStartTime();
    const base: Partial<RunRecord> = {
      status: 'running', pid: process.pid, startedAt: started, endedAt: undefined, error: undefined, executor: slurmExecutorFromEnv(process.env) ?? { kind: 'local' },
      // What the summary compares runs on (the experiment file may change between runs).
      data: describeData(exp.data), model: exp.model,
    };
    if (pidStartTime) base.pidStartTime = pidStartTime;

    if (o.resume) {
      const name = runToResume(runsDir, exp.file, o.name);
      // Checked before taking the folder over, so a refused resume leaves its run.json as it was.
      const candidate = RunFolder.open(runsDir, name);
      runName = name;
      const prev = candidate.record;
      refuseIfStillRunning(name, prev);
      // Killed after its last checkpoint, before it said so: nothing is left to train.
      const completed = o.epochs && o.epochs > (prev.epochs ?? 0) ? undefined : await completedRecord(candidate.dir, prev);
      if (completed) {
        run = candidate;
        run.update({ ...completed, error: undefined });
        log('info', `run ${name} had trained and saved all ${completed.epochsDone} epochs (weights/last) but was not recorded as finished (it was ${prev.status}): marked finished`);
        rep.event({ type: 'end', run: name, status: 'finished' });
        return 0;
      }
      if (prev.status === 'finished' && !o.epochs) throw new RunFolderError(`run ${name} already finished its ${prev.epochs} epochs; pass --epochs N to train longer`);
      const target = o.epochs ?? prev.epochs ?? exp.train.epochs;
      if (prev.epochsDone !== undefined && prev.epochsDone >= target) {
        throw new RunFolderError(`run ${name} already completed ${prev.epochsDone} of ${target} epochs; pass --epochs N (N > ${prev.epochsDone}) to train longer`);
      }
      run = candidate;
      if (o.freeze !== undefined && JSON.stringify(o.freeze) !== JSON.stringify(prev.freeze)) {
        log('warn', `--freeze ${JSON.stringify(o.freeze)} ignored: a resumed run keeps freeze ${JSON.stringify(prev.freeze)}`);
      }
      run.update({ ...base, ...(o.epochs ? { epochs: o.epochs } : {}) });
      log('info', `resuming run ${name} (pid ${process.pid})`);
      if (readFileSafe(path.join(run.dir, 'experiment.yaml')) !== readFileSafe(exp.file)) {
        log('warn', `${exp.file} changed since the run started; using the current file`);
      }
    } else {
      const wanted = o.name ?? uniqueRunName(runsDir, defaultRunName(exp.file, exp.name));
      runName = wanted;
      run = RunFolder.create(runsDir, wanted, {
        ...base, status: 'running', experiment: exp.file, freeze: o.freeze ?? exp.freeze,
        epochs: o.epochs ?? exp.train.epochs, epochsDone: 0, ...(o.sweep ? { sweep: o.sweep } : {}),
      }, exp.file);
      log('info', `run ${wanted} in ${run.dir} (pid ${process.pid})`);
    }
    for (const w of warningLines(exp)) log('warn', w);
    const result = await train(exp, run, o, log, stop, peak);
    const status: RunStatus = result;
    run.update({ status, endedAt: new Date().toISOString() });
    log('info', status === 'stopped' ? `stopped after ${run.record.epochsDone} epoch(s); weights/last saved` : `finished ${run.record.epochsDone} epochs`);
    rep.event({ type: 'end', run: run.name, status });
    return 0;
  } catch (err) {
    return recordFailure(err, { run, runName, log, reporter: rep });
  } finally {
    stop?.dispose();
    peak.dispose();
    run?.close();
  }
}

/**
 * Forward + backward FLOPs of one training step (the whole batch) predicted by the cost model, with
 * the frozen-prefix cache when it applies and is allowed; undefined when the model cannot be sized.
 */
async function predictedStepFlops(exp: Experiment, freeze: FreezeSpec, batch: number, cacheAllowed: boolean): Promise<number | undefined> {
  try {
    const { summary } = await loadExperimentModel(exp);
    if (!summary) return undefined;
    const cost = estimateCost(summary, freeze, batch);
    return stepFlops(cacheAllowed && cost.cache.applies ? cost.modules.filter((m) => !m.cached) : cost.modules, batch);
  } catch {
    return undefined;
  }
}

async function train(
  exp: Experiment, run: RunFolder, o: TrainOptions, log: (level: 'info' | 'warn' | 'error', msg: string) => void,
  stop: StopRequests, peak: TensorPeak,
): Promise<'finished' | 'stopped'> {
  const rec = run.record;
  const settings = exp.train;
  const epochs = rec.epochs ?? settings.epochs;

  // The step's cost matters only to `auto` threads and to `auto` finding a GPU: predicted (a second
  // read of the model file) only then, and once.
  let predicted: Promise<number | undefined> | undefined;
  const stepCost = (): Promise<number | undefined> => (predicted ??= predictedStepFlops(exp, rec.freeze, settings.batch, !o.noCache));
  const cpus = runCpus();
  const threads = chooseWasmThreads(autoThreadsRequested() ? await stepCost() : undefined, cpus);
  const engine: ActiveEngine = await activateEngine(requestedEngine(o.engine), { wasmThreads: threads.threads, stepFlops: stepCost });
  run.update({ engine: engine.name, device: engine.device });
  log('info', `engine ${engine.name} on ${engine.device}`);
  if (engine.name === 'wasm') log('info', `  wasm threads: ${threads.threads} (${threads.reason}; ${cpus.from})`);
  for (const p of engine.probes) if (p.name !== engine.name) log('info', `  ${p.available ? 'also available' : 'not used'}: ${p.name}: ${p.reason}`);
  if (engine.addedKernels.length) log('info', `  training kernels added to ${engine.backend}: ${engine.addedKernels.join(', ')}`);

  const dataset = loadDataset(exp.data, settings.imgsz, settings.seed);
  log('info', dataset.description);
  if (dataset.skipped.length > 0) {
    log('warn', `${dataset.skipped.length} corrupt image(s) skipped (set data.strict: true to fail instead):`);
    for (const s of dataset.skipped.slice(0, 20)) log('warn', `  ${s.file}: ${s.reason}`);
    if (dataset.skipped.length > 20) log('warn', `  … and ${dataset.skipped.length - 20} more`);
  }
  const classes = dataset.classes.length;

  // Resume: weights/last, epochs it completed, and metrics trimmed to match them.
  let resumeFile: string | undefined;
  let startEpoch = 1;
  let best = -Infinity;
  if (o.resume) {
    resumeFile = run.weightsFile('last');
    if (!resumeFile) throw new RunFolderError(`nothing to resume: ${run.weightsDir('last')} does not exist (the run stopped before its first checkpoint); start a new run`);
    const done = readMetadata(resumeFile)?.epoch ?? 0;
    if (done >= epochs) throw new RunFolderError(`run ${run.name} already completed ${done} of ${epochs} epochs; pass --epochs N (N > ${done}) to train longer`);
    const kept = run.truncateMetricsTo(done);
    for (const m of kept) if (m['val/accuracy'] > best) best = m['val/accuracy'];
    startEpoch = done + 1;
    run.update({ epochsDone: done, ...(Number.isFinite(best) ? { bestAccuracy: best } : {}) });
    log('info', `resuming at epoch ${startEpoch} of ${epochs} from ${resumeFile}`);
  }

  const freeze = rec.freeze;
  const prepared: PreparedModel = await prepareModel({
    modelFile: exp.model, weights: exp.weights, resumeFrom: resumeFile, imageShape: dataset.imageShape,
    classes, classNames: dataset.classes, seed: settings.seed, freeze,
  });
  for (const n of prepared.notes) log('info', n);
  if (prepared.pretrained && !resumeFile) {
    const d = describePretrained(prepared.pretrained);
    d.info.forEach((l) => log('info', l));
    d.warn.forEach((l) => log('warn', l));
  }
  const fr = prepared.freeze;
  for (const w of fr.warnings) log('warn', w);
  log('info', `freeze ${JSON.stringify(freeze)}: ${fr.frozenModules.length ? `frozen modules ${fr.frozenModules.join(', ')}` : 'nothing frozen'}`
    + (fr.partialModules.length ? `; partly frozen ${fr.partialModules.join(', ')}` : ''));
  log('info', `parameters: ${fr.trainableParams.toLocaleString('en-US')} trainable of ${fr.totalParams.toLocaleString('en-US')}`);
  if (fr.trainableParams === 0) throw new TrainingError(`freeze ${JSON.stringify(freeze)} freezes every parameter: nothing to train; freeze fewer modules`);

  const plan = planCache(prepared, dataset.train.count + dataset.val.count, o.noCache);
  log('info', `frozen-prefix cache: ${plan.used ? 'used' : 'not used'} (${plan.reason})`);
  run.update({
    trainableParams: fr.trainableParams, totalParams: fr.totalParams, cache: { used: plan.used, reason: plan.reason },
    ...(prepared.pretrained && !resumeFile ? { weightsSha256: prepared.pretrained.sha256 } : {}),
  });
  o.reporter.event({ type: 'start', run: run.name, engine: engine.name, device: engine.device, epochs, trainableParams: fr.trainableParams, totalParams: fr.totalParams });

  let trainSet: FeatureSet = imageFeatureSet(dataset.train, dataset.imageShape);
  let valSet: FeatureSet = imageFeatureSet(dataset.val, dataset.imageShape);
  let stepModel = prepared.model;
  const evalBatch = Math.max(settings.batch, 64);
  if (plan.used) {
    const t0 = Date.now();
    stepModel = buildHead(prepared, plan, classes);
    trainSet = await cacheFeatures(prepared, plan, trainSet, evalBatch, yieldToEventLoop);
    valSet = await cacheFeatures(prepared, plan, valSet, evalBatch, yieldToEventLoop);
    log('info', `cached the frozen prefix's outputs for ${trainSet.count + valSet.count} images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const optimizer = makeOptimizer(settings.optimizer, settings.lr);
  const vars = trainableVariables(stepModel);
  if (resumeFile) await restoreOptimizer(optimizer, resumeFile, vars, log);

  const meta = (epoch: number, acc?: number): TransferLabMetadata => ({
    classes: dataset.classes, epoch, output: prepared.output, experiment: exp.file, ...(acc !== undefined ? { valAccuracy: acc } : {}),
  });
  const sampler = new DeviceSampler(engine.gpu);
  const batches = Math.ceil(trainSet.count / settings.batch);

  for (let epoch = startEpoch; epoch <= epochs; epoch++) {
    if (stop.requested) break;
    const t0 = performance.now();
    peak.reset();
    sampler.reset();
    const order = permutation(trainSet.count, seededRandom(settings.seed * 7919 + epoch));
    let lossSum = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const idx = order.slice(b * settings.batch, (b + 1) * settings.batch);
      const { inputs, labels } = batchTensors(trainSet, idx, classes);
      const loss = trainStep(stepModel, optimizer, vars, prepared.output, inputs, labels);
      const value = (await loss.data())[0];
      tf.dispose([loss, labels, ...inputs]);
      if (!Number.isFinite(value)) {
        throw new TrainingError(`loss became ${value} at epoch ${epoch}, batch ${b + 1}/${batches} (lr ${settings.lr}): lower train.lr or check the data; `
          + (epoch > startEpoch || startEpoch > 1 ? `weights/last keeps epoch ${epoch - 1}` : 'no epoch was finished'));
      }
      lossSum += value * idx.length;
      seen += idx.length;
      o.reporter.event({ type: 'batch', run: run.name, epoch, batch: b + 1, batches, loss: value });
      sampler.tick();
      await yieldToEventLoop(); // lets SIGINT/SIGTERM handlers run between batches
      if (stop.requested) break;
    }
    if (stop.requested) {
      // Mid-epoch: keep the weights, but the epoch is not finished, so it is not recorded.
      run.saveWeights('last', await modelFolderFiles(prepared.model, meta(epoch - 1), optimizer));
      return 'stopped';
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const val = await evaluate(stepModel, prepared.output, valSet, classes, evalBatch, yieldToEventLoop);
    const seconds = (performance.now() - t0) / 1000;
    const device = sampler.sample();
    const m: EpochMetrics = {
      epoch,
      'train/loss': lossSum / Math.max(1, seen),
      'val/loss': val.loss,
      'val/accuracy': val.accuracy,
      ...(val.top5 !== undefined ? { 'val/top5': val.top5 } : {}),
      lr: settings.lr,
      epoch_seconds: seconds,
      images_per_second: seen / trainSeconds,
      tensor_bytes: tf.memory().numBytes,
      peak_tensor_bytes: peak.bytes,
      rss_bytes: process.memoryUsage().rss,
      device_util: device.util,
      device_memory_bytes: device.memoryBytes,
      time: new Date().toISOString(),
    };
    // Order: the epoch's record first (durable), then its weights, then run.json. weights/best
    // before weights/last: once last holds the final epoch the whole run is on disk, so a run
    // killed right then is settled as finished (shared/runFolder/completedRun.ts).
    run.appendEpoch(m);
    o.reporter.event({ type: 'epoch', run: run.name, metrics: m });
    const improved = m['val/accuracy'] > best;
    if (improved) best = m['val/accuracy'];
    if (improved) run.saveWeights('best', await modelFolderFiles(prepared.model, meta(epoch, m['val/accuracy'])));
    run.saveWeights('last', await modelFolderFiles(prepared.model, meta(epoch, m['val/accuracy']), optimizer));
    run.update({ epochsDone: epoch, bestAccuracy: best, deviceSource: device.source });
    log('info', `epoch ${epoch}/${epochs}: train/loss ${m['train/loss'].toFixed(4)} val/loss ${m['val/loss'].toFixed(4)} val/accuracy ${m['val/accuracy'].toFixed(4)}`
      + ` ${m.images_per_second.toFixed(0)} img/s${improved ? ' (best)' : ''}`);
  }
  if (stop.requested) {
    if (!run.weightsFile('last')) run.saveWeights('last', await modelFolderFiles(prepared.model, meta(startEpoch - 1), optimizer));
    return 'stopped';
  }
  return 'finished';
}

/** Adam/SGD state from weights/last, so a resumed run continues as if it had not stopped. */
async function restoreOptimizer(optimizer: tf.Optimizer, file: string, vars: tf.Variable[], log: (level: 'info' | 'warn', msg: string) => void): Promise<void> {
  const state = readOptimizerState(file);
  if (!state) return;
  if (state.className !== optimizer.getClassName()) {
    log('warn', `optimizer state in ${file} is ${state.className}, the experiment uses ${optimizer.getClassName()}: starting it fresh`);
    tf.dispose(state.weights.map((w) => w.tensor));
    return;
  }
  // Slot variables follow the variable list; the names must match this model's variables.
  const names = new Set(vars.map((v) => v.name));
  const slots = state.weights.filter((w) => w.name !== 'iter');
  if (!slots.every((w) => names.has(w.name.replace(/\/(m|v)$/, '')))) {
    log('warn', `optimizer state in ${file} does not match the trainable weights: starting it fresh`);
    tf.dispose(state.weights.map((w) => w.tensor));
    return;
  }
  await optimizer.setWeights(state.weights);
  log('info', `optimizer state restored (${state.weights.length} tensors)`);
}
