// `transfer-lab train` for an experiment with `trainer: yolov5`: runs YOLOv5's own train.py and
// keeps the same run record as the built-in trainer, so the Runs view, the status bar and the
// comparison panel treat it like any run. This process (the adapter) is what the extension host
// starts, follows and stops; train.py is its child in the same process group, spawned without a
// shell in the YOLOv5 folder, writing into the run folder (--project/--name --exist-ok). The
// adapter follows results.csv as YOLOv5 appends it, adds what YOLOv5 does not record (epoch wall
// time, memory, GPU use), and records how the run ended: finished, stopped (SIGINT: what Ctrl+C
// does; YOLOv5 keeps weights/last.pt of its last finished epoch) or failed (with YOLOv5's last
// error lines). Never imports vscode or TensorFlow.js.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { describeYolov5Data } from '../data/dataIdentity';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { frozenState } from '../../shared/freeze';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { yolov5FreezeArgs } from './freezeArgs';
import { usesYolov5, Yolov5SettingsError, yolov5SettingsOf, type Yolov5Settings } from '../../shared/yolov5/settings';
import { resumeArgs, trainPyArgs } from './trainPyArgs';
import type { Reporter } from '../cli/progress';
import { recordFailure } from '../run/recordFailure';
import { defaultRunName, refuseIfStillRunning, runToResume, uniqueRunName } from '../run/runFolder';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { StopRequests } from '../run/stopRequests';
import { processStartTime } from '../system/processStart';
import { resolvePython } from './pythonCommand';
import { Yolov5Follower, type Outcome } from './yolov5Follower';
import { Yolov5RunFolder } from './yolov5RunFolder';
import type { RunRecord } from '../../shared/runFolder/contract';

export interface Yolov5TrainOptions {
  experimentFile: string;
  name?: string;
  freeze?: FreezeSpec;
  resume: boolean;
  runsDir?: string;
  /** Overrides yolov5.epochs for a new run. */
  epochs?: number;
  sweep?: string;
  /** Stop when the starting process goes away (see trainer/run/parentWatch.ts). */
  stopWithParent?: boolean;
  /** `--engine`: the built-in trainer's choice; YOLOv5 picks its device itself (noted in the log). */
  engine?: string;
  /** Train although the experiment has top-level keys nothing reads (they are ignored). */
  allowUnknownKeys?: boolean;
  reporter: Reporter;
  /** Environment of train.py (and of the interpreter lookup); default this process's. */
  env?: NodeJS.ProcessEnv;
  /** How often results.csv and opt.yaml are read, and GPU/memory sampled (ms). */
  pollMs?: number;
  sampleMs?: number;
}

export async function trainWithYolov5(o: Yolov5TrainOptions): Promise<number> {
  const rep = o.reporter;
  let run: Yolov5RunFolder | undefined;
  let runName = o.name ?? '';
  const log = (level: 'info' | 'warn' | 'error', msg: string): void => {
    run?.log(level, msg);
    rep.event({ type: 'log', run: runName, level, message: msg });
  };
  const stop = new StopRequests(
    (why) => log('warn', `${why}: stopping YOLOv5 (as Ctrl+C does); it keeps weights/last.pt of its last finished epoch`),
    { stopWithParent: o.stopWithParent },
  );
  try {
    const exp = await loadExperiment(o.experimentFile);
    if (!usesYolov5(exp)) throw new Yolov5SettingsError(`${exp.file} does not say \`trainer: yolov5\`; Transfer Lab's own trainer runs it`);
    refuseUnknownKeys(exp, o.allowUnknownKeys);
    const settings = yolov5SettingsOf(exp);
    const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
    const pidStartTime = processStartTime();
    const base: Partial<RunRecord> = {
      status: 'running',
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endedAt: undefined,
      error: undefined,
      executor: { kind: 'local' },
      trainer: 'yolov5',
      engine: 'yolov5',
      ...(pidStartTime ? { pidStartTime } : {}),
      // What the summary compares runs on; the adapter samples GPU memory only through nvidia-smi.
      data: describeYolov5Data(settings.data),
      model: exp.model,
      deviceSource: 'nvidia-smi',
    };
    let freeze: FreezeSpec;
    if (o.resume) {
      const name = runToResume(runsDir, exp.file, o.name);
      const candidate = Yolov5RunFolder.open(runsDir, name);
      runName = name;
      const prev = candidate.record;
      refuseIfStillRunning(name, prev);
      if (prev.status === 'finished')
        throw new RunFolderError(
          `run ${name} already finished its ${prev.epochs ?? ''} epochs; YOLOv5 has nothing to resume (start a new run)`,
        );
      if (!existsSync(candidate.lastPt)) {
        throw new RunFolderError(
          `nothing to resume: ${candidate.lastPt} does not exist (YOLOv5 writes it at the end of each epoch; this run ended before its first); start a new run`,
        );
      }
      run = candidate;
      freeze = prev.freeze;
      if (o.freeze !== undefined && JSON.stringify(o.freeze) !== JSON.stringify(prev.freeze))
        log('warn', `--freeze ${JSON.stringify(o.freeze)} ignored: a resumed run keeps freeze ${JSON.stringify(prev.freeze)}`);
      if (o.epochs !== undefined) log('warn', `--epochs ${o.epochs} ignored: YOLOv5 resumes with the settings in ${candidate.optYaml}`);
      run.update(base);
      log('info', `resuming run ${name} from ${candidate.lastPt} (pid ${process.pid})`);
    } else {
      const name = o.name ?? uniqueRunName(runsDir, defaultRunName(exp.file, exp.name));
      runName = name;
      freeze = o.freeze ?? exp.freeze;
      const epochs = o.epochs ?? settings.epochs;
      run = Yolov5RunFolder.create(
        runsDir,
        name,
        {
          ...base,
          status: 'running',
          experiment: exp.file,
          freeze,
          epochsDone: 0,
          ...(epochs !== undefined ? { epochs } : {}),
          ...(o.sweep ? { sweep: o.sweep } : {}),
        },
        exp.file,
      );
      log('info', `run ${name} in ${run.dir} (pid ${process.pid})`);
    }
    for (const w of warningLines(exp)) log('warn', w);
    if (o.engine && o.engine !== 'auto')
      log('warn', `--engine ${o.engine} is ignored: YOLOv5 picks its own device (add --device to yolov5.extra)`);
    const outcome = await drive(exp, settings, run, freeze, o, log, stop);
    run.update({ status: outcome.status, endedAt: new Date().toISOString(), ...(outcome.error ? { error: outcome.error } : {}) });
    if (outcome.status === 'failed') {
      log('error', outcome.error ?? 'YOLOv5 failed');
      rep.event({ type: 'end', run: run.name, status: 'failed', error: outcome.error });
      return 1;
    }
    log(
      'info',
      outcome.status === 'stopped'
        ? `stopped after ${run.record.epochsDone ?? 0} epoch(s); YOLOv5's weights/last.pt holds the last finished one`
        : `finished ${run.record.epochsDone ?? 0} epoch(s)`,
    );
    rep.event({ type: 'end', run: run.name, status: outcome.status });
    return 0;
  } catch (err) {
    return recordFailure(err, { run, runName, log, reporter: rep });
  } finally {
    stop.dispose();
    run?.close();
  }
}

async function checkYolov5Folder(folder: string, experimentFile: string): Promise<void> {
  const s = await stat(folder).catch(() => undefined);
  if (!s?.isDirectory()) {
    throw new Yolov5SettingsError(
      `yolov5.folder in ${experimentFile} is ${folder}, which is not a folder: point it at a YOLOv5 checkout (git clone https://github.com/ultralytics/yolov5)`,
    );
  }
  if (
    !(await stat(path.join(folder, 'train.py')).then(
      (f) => f.isFile(),
      () => false,
    ))
  ) {
    throw new Yolov5SettingsError(
      `no train.py in ${folder} (yolov5.folder in ${experimentFile}): point it at a YOLOv5 checkout, the folder holding train.py (git clone https://github.com/ultralytics/yolov5)`,
    );
  }
}

/** Trainable and total parameters as YOLOv5 will build the model (the input the Modules view counts
 *  with); a model too large to build is refused here, before train.py tries to allocate it. */
async function parameterCounts(
  exp: Experiment,
  freeze: FreezeSpec,
  log: (l: 'info' | 'warn', m: string) => void,
): Promise<{ trainableParams: number; totalParams: number } | undefined> {
  const { summary, diagnostics } = await loadExperimentModel(exp);
  const tooLarge = diagnostics.filter((d) => d.code === 'size-limit');
  if (tooLarge.length) throw new Yolov5SettingsError(formatDiagnostics(tooLarge));
  for (const d of diagnostics) if (d.severity === 'warning') log('info', d.message);
  if (!summary) return undefined;
  const state = frozenState(summary, freeze);
  return { trainableParams: state.trainableParams, totalParams: state.totalParams };
}

async function drive(
  exp: Experiment,
  settings: Yolov5Settings,
  run: Yolov5RunFolder,
  freeze: FreezeSpec,
  o: Yolov5TrainOptions,
  log: (level: 'info' | 'warn' | 'error', msg: string) => void,
  stop: StopRequests,
): Promise<Outcome> {
  const env = o.env ?? process.env;
  if (!/\.ya?ml$/i.test(exp.model)) {
    throw new Yolov5SettingsError(
      `trainer: yolov5 needs \`model:\` to be a YOLOv5 model YAML (e.g. ../yolov5/models/yolov5s.yaml), passed to train.py as --cfg; ${exp.file} names ${exp.model}`,
    );
  }
  // Checked before anything starts, each with what to do about it.
  const freezeArgs = o.resume ? undefined : yolov5FreezeArgs(freeze);
  await checkYolov5Folder(settings.folder, exp.file);
  const python = await resolvePython(settings.python, exp.file, env);
  const counts = await parameterCounts(exp, freeze, log);
  if (counts) run.update(counts);

  const args = o.resume
    ? resumeArgs(run.lastPt)
    : trainPyArgs(settings, { runsDir: path.dirname(run.dir), name: run.name, cfg: exp.model, freeze, epochs: o.epochs });
  if (stop.requested) return { status: 'stopped' };
  if (freezeArgs) log('info', `--freeze ${freezeArgs.join(' ')}: YOLOv5 freezes ${describeYolov5FreezeArgs(freezeArgs)}`);
  log('info', `starting: ${python.command} ${args.join(' ')}  (cwd ${settings.folder}; Python from ${python.source})`);
  // Its output is long (every progress bar, every warning of its packages) and is not ours to show
  // as warnings: train.log keeps all of it, a failure shows its last lines.
  log('info', `train.py's output goes to ${path.join(run.dir, 'train.log')}; its last lines are shown if it fails`);

  const child = spawn(python.command, args, {
    cwd: settings.folder,
    // Same process group as this adapter: a stop signal to the group reaches train.py and its
    // dataloader workers as Ctrl+C in a terminal would.
    env: { ...env, PYTHONUNBUFFERED: '1' },
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const follower = new Yolov5Follower(run, o, log, child.pid);
  return follower.follow(child, stop);
}

function describeYolov5FreezeArgs(args: string[]): string {
  if (args.length === 1) return Number(args[0]) === 0 ? 'nothing' : `modules 0–${Number(args[0]) - 1}`;
  const unique = [...new Set(args)];
  return `module${unique.length > 1 ? 's' : ''} ${unique.join(', ')}`;
}
