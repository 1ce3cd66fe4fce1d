// `transfer-lab train`: experiment → run folder → engine → data → model → epochs. Every outcome ends
// in run.json: finished, stopped (SIGINT/SIGTERM: the current batch finishes, weights/last is
// written, exit 0) or failed (the message, exit 1), without losing a finished epoch.
import * as path from 'node:path';
import { loadExperiment } from '../../shared/experiment/parse';
import { refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { slurmExecutorFromEnv } from '../../shared/slurm/jobEnv';
import type { Reporter } from '../cli/progress';
import { recordFailure } from '../run/recordFailure';
import { defaultRunName, readFileSafe, refuseIfStillRunning, RunFolder, runToResume, uniqueRunName } from '../run/runFolder';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { StopRequests } from '../run/stopRequests';
import { failOnUnsettledExit } from '../run/unsettledExit';
import { describeData } from '../data/dataIdentity';
import { processStartTime } from '../system/processStart';
import { TensorPeak } from '../system/tensorPeak';
import { checkTorchvisionEngine, trainTorchvision } from '../torchvision/trainTorchvision';
import { freezeToBuild } from './freezePhases';
import { phaseSwitcher, recordPhases } from './phaseSwitch';
import {
  evalBatchOf,
  loadData,
  Log,
  makeSteps,
  planCache,
  prepareAndLog,
  reportStart,
  resumePoint,
  runEpochs,
  startEngine,
} from './trainPhases';
import { runCacheLimits, sharedPlan } from './sharedPlan';
import type { StepEngine } from './stepEngine';
import type { CachePlan } from './frozenCache';
import type { PreparedModel } from '../model/prepareModel';
import { CacheWaitStopped } from '../cache/cacheLock';
import type { RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { completedRecord } from '../../shared/runFolder/completedRun';
import type { FineTuneRecipe } from '../../shared/runs/fineTune';
import { asRecorded } from './fineTuneRun';

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
  /** Train as fastai's fine_tune with `freeze` as the head-first phase (shared/runs/fineTune.ts). */
  fineTune?: FineTuneRecipe;
  /** Train although the experiment has top-level keys the parser does not know (they are ignored). */
  allowUnknownKeys?: boolean;
  /** Stop (checkpoint, `stopped`) when the starting process goes away: see run/parentWatch.ts. */
  stopWithParent?: boolean;
  reporter: Reporter;
}

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
  const disarm = failOnUnsettledExit((err) => recordFailure(err, { run, runName, log, reporter: rep }));
  try {
    // Signals before the loop starts also stop cleanly (checked between phases and batches).
    stop = new StopRequests((why) => log('warn', `${why}: stopping after the current batch`), { stopWithParent: o.stopWithParent });
    const exp = await loadExperiment(o.experimentFile);
    // Before any run folder exists: a refused file leaves nothing behind.
    refuseUnknownKeys(exp, o.allowUnknownKeys);
    if (exp.torchvision) await checkTorchvisionEngine(exp, o.engine);
    const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
    const started = new Date().toISOString();
    const pidStartTime = processStartTime();
    const base: Partial<RunRecord> = {
      status: 'running',
      pid: process.pid,
      startedAt: started,
      endedAt: undefined,
      error: undefined,
      executor: slurmExecutorFromEnv(process.env) ?? { kind: 'local' },
      // What the summary compares runs on (the experiment file may change between runs).
      data: describeData(exp.data),
      model: exp.model,
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
        log(
          'info',
          `run ${name} had trained and saved all ${completed.epochsDone} epochs (weights/last) but was not recorded as finished (it was ${prev.status}): marked finished`,
        );
        rep.event({ type: 'end', run: name, status: 'finished' });
        return 0;
      }
      if (prev.status === 'finished' && !o.epochs)
        throw new RunFolderError(`run ${name} already finished its ${prev.epochs} epochs; pass --epochs N to train longer`);
      const target = o.epochs ?? prev.epochs ?? exp.train.epochs;
      if (prev.epochsDone !== undefined && prev.epochsDone >= target) {
        throw new RunFolderError(
          `run ${name} already completed ${prev.epochsDone} of ${target} epochs; pass --epochs N (N > ${prev.epochsDone}) to train longer`,
        );
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
      run = RunFolder.create(
        runsDir,
        wanted,
        {
          ...base,
          status: 'running',
          experiment: exp.file,
          freeze: o.freeze ?? exp.freeze,
          epochs: o.epochs ?? exp.train.epochs,
          epochsDone: 0,
          ...(o.sweep ? { sweep: o.sweep } : {}),
          ...(o.fineTune ? { fineTune: o.fineTune } : {}),
        },
        exp.file,
      );
      log('info', `run ${wanted} in ${run.dir} (pid ${process.pid})`);
    }
    for (const w of warningLines(exp)) log('warn', w);
    const result = await train(asRecorded(exp, run.record, log), run, o, log, stop, peak);
    const status: RunStatus = result;
    run.update({ status, endedAt: new Date().toISOString() });
    log(
      'info',
      status === 'stopped'
        ? `stopped after ${run.record.epochsDone} epoch(s)` + (run.weightsFile('last') ? '; weights/last saved' : '; no weights saved')
        : `finished ${run.record.epochsDone} epochs`,
    );
    rep.event({ type: 'end', run: run.name, status });
    return 0;
  } catch (err) {
    return recordFailure(err, { run, runName, log, reporter: rep });
  } finally {
    disarm();
    stop?.dispose();
    peak.dispose();
    run?.close();
  }
}

async function train(
  exp: Experiment,
  run: RunFolder,
  o: TrainOptions,
  log: Log,
  stop: StopRequests,
  peak: TensorPeak,
): Promise<'finished' | 'stopped'> {
  if (exp.torchvision) return trainTorchvision(exp, run, o, log, stop);
  const rec = run.record;
  const epochs = rec.epochs ?? exp.train.epochs;
  // The data first: whether the frozen prefix is cached (and so the step's cost, which the thread
  // count is chosen from) depends on how many images there are.
  const dataset = loadData(exp, log);
  try {
    const samples = dataset.train.count + dataset.val.count;
    const engine = await startEngine(exp, run, o.engine, o.noCache, samples, log);
    const resume = resumePoint(run, o.resume, epochs, log);
    const phases = recordPhases(exp, run, epochs, log);
    const prepared = await prepareAndLog(exp, dataset, freezeToBuild(phases, rec.freeze, resume), resume.resumeFile, log);
    const fr = prepared.freeze;
    const stopped = (): boolean => stop.requested !== undefined;
    const planFor = (p: PreparedModel): CachePlan =>
      sharedPlan(planCache(p, samples, o.noCache, runCacheLimits(run)), exp, run, !!engine.torch, log, stopped);
    const plan = planFor(prepared);
    log('info', `frozen-prefix cache: ${plan.used ? 'used' : 'not used'} (${plan.reason})`);
    run.update({
      trainableParams: fr.trainableParams,
      totalParams: fr.totalParams,
      cache: { used: plan.used, reason: plan.reason },
      ...(prepared.pretrained && !resume.resumeFile ? { weightsSha256: prepared.pretrained.sha256 } : {}),
    });
    reportStart(o.reporter, run, engine, epochs, fr);
    let steps: StepEngine;
    try {
      steps = await makeSteps(engine, prepared, dataset, exp, plan, peak, log, (note) =>
        run.update({ cache: { used: true, reason: `${plan.reason} (${note})` } }),
      );
    } catch (err) {
      // Asked to stop while another run builds the cache it needs: nothing trained, nothing to save.
      if (!(err instanceof CacheWaitStopped)) throw err;
      log('info', err.message);
      return 'stopped';
    }
    try {
      const switcher = phaseSwitcher({
        ...{ exp, steps, phases, graph: { prepared, planFor }, summary: prepared.summary, log },
        ...{ runFreeze: rec.freeze, cacheBatch: evalBatchOf(exp) },
      });
      return await runEpochs({
        exp,
        run,
        steps,
        reporter: o.reporter,
        stop,
        log,
        engine,
        dataset,
        resume,
        epochs,
        output: prepared.output,
        phases: switcher,
      });
    } finally {
      steps.dispose();
    }
  } finally {
    await dataset.close();
  }
}
