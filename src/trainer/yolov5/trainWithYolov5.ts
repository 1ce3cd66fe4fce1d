// `transfer-lab train` for an experiment with `trainer: yolov5`: runs YOLOv5's own train.py and
// keeps the same run record as the built-in trainer, so the Runs view, the status bar and the
// comparison panel treat it like any run. This process (the adapter) is what the extension host
// starts, follows and stops; train.py is its child in the same process group, spawned without a
// shell in the YOLOv5 folder, writing into the run folder (--project/--name --exist-ok). The
// adapter follows results.csv as YOLOv5 appends it, adds what YOLOv5 does not record (epoch wall
// time, memory, GPU use), and records how the run ended: finished, stopped (SIGINT: what Ctrl+C
// does; YOLOv5 keeps weights/last.pt of its last finished epoch) or failed (with YOLOv5's last
// error lines). Never imports vscode or TensorFlow.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { load } from 'js-yaml';
import { describeYolov5Data } from '../data/dataIdentity';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { frozenState } from '../../shared/freeze';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { describeYolov5Epoch, epochMetricsFromRow, epochNumber } from './epochMetrics';
import { yolov5FreezeArgs } from './freezeArgs';
import { ResultsCsvTail, type ResultsRow } from './resultsCsv';
import { registerYolov5Sections, usesYolov5, YOLOV5_SECTIONS, Yolov5SettingsError, yolov5SettingsOf, type Yolov5Settings } from '../../shared/yolov5/settings';
import { failureMessage, isEpochHeader, LineTail, parseDeviceLine, parseTrainProgress, TerminalLines } from './trainOutput';
import { resumeArgs, trainPyArgs } from './trainPyArgs';
import type { Reporter } from '../cli/progress';
import { errorMessage, recordFailure } from '../run/recordFailure';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { defaultRunName, refuseIfStillRunning, runToResume, uniqueRunName } from '../run/runFolder';
import { StopRequests } from '../run/stopRequests';
import { processStartTime } from '../system/processStart';
import { resolvePython } from './pythonCommand';
import { RunUsage } from './runUsage';
import { Yolov5RunFolder } from './yolov5RunFolder';

// This process parses YOLOv5 experiments for every command (train, sweep, modules): `trainer:` and
// `yolov5:` are known sections here, checked with their lines, and `data:` may be left out.
registerYolov5Sections();

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
  const stop = new StopRequests((why) => log('warn', `${why}: stopping YOLOv5 (as Ctrl+C does); it keeps weights/last.pt of its last finished epoch`), { stopWithParent: o.stopWithParent });
  try {
    const exp = await loadExperiment(o.experimentFile, { sections: [...YOLOV5_SECTIONS] });
    if (!usesYolov5(exp)) throw new Yolov5SettingsError(`${exp.file} does not say \`trainer: yolov5\`; Transfer Lab's own trainer runs it`);
    refuseUnknownKeys(exp, o.allowUnknownKeys);
    const settings = yolov5SettingsOf(exp);
    const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
    const pidStartTime = processStartTime();
    const base: Partial<RunRecord> = {
      status: 'running', pid: process.pid, startedAt: new Date().toISOString(), endedAt: undefined, error: undefined,
      executor: { kind: 'local' }, trainer: 'yolov5', engine: 'yolov5', ...(pidStartTime ? { pidStartTime } : {}),
      // What the summary compares runs on; the adapter samples GPU memory only through nvidia-smi.
      data: describeYolov5Data(settings.data), model: exp.model, deviceSource: 'nvidia-smi',
    };
    let freeze: FreezeSpec;
    if (o.resume) {
      const name = runToResume(runsDir, exp.file, o.name);
      const candidate = Yolov5RunFolder.open(runsDir, name);
      runName = name;
      const prev = candidate.record;
      refuseIfStillRunning(name, prev);
      if (prev.status === 'finished') throw new RunFolderError(`run ${name} already finished its ${prev.epochs ?? ''} epochs; YOLOv5 has nothing to resume (start a new run)`);
      if (!existsSync(candidate.lastPt)) {
        throw new RunFolderError(`nothing to resume: ${candidate.lastPt} does not exist (YOLOv5 writes it at the end of each epoch; this run ended before its first); start a new run`);
      }
      run = candidate;
      freeze = prev.freeze;
      if (o.freeze !== undefined && JSON.stringify(o.freeze) !== JSON.stringify(prev.freeze)) log('warn', `--freeze ${JSON.stringify(o.freeze)} ignored: a resumed run keeps freeze ${JSON.stringify(prev.freeze)}`);
      if (o.epochs !== undefined) log('warn', `--epochs ${o.epochs} ignored: YOLOv5 resumes with the settings in ${candidate.optYaml}`);
      run.update(base);
      log('info', `resuming run ${name} from ${candidate.lastPt} (pid ${process.pid})`);
    } else {
      const name = o.name ?? uniqueRunName(runsDir, defaultRunName(exp.file, exp.name));
      runName = name;
      freeze = o.freeze ?? exp.freeze;
      const epochs = o.epochs ?? settings.epochs;
      run = Yolov5RunFolder.create(runsDir, name, {
        ...base, status: 'running', experiment: exp.file, freeze, epochsDone: 0,
        ...(epochs !== undefined ? { epochs } : {}), ...(o.sweep ? { sweep: o.sweep } : {}),
      }, exp.file);
      log('info', `run ${name} in ${run.dir} (pid ${process.pid})`);
    }
    for (const w of warningLines(exp)) log('warn', w);
    if (o.engine && o.engine !== 'auto') log('warn', `--engine ${o.engine} is ignored: YOLOv5 picks its own device (add --device to yolov5.extra)`);
    const outcome = await drive(exp, settings, run, freeze, o, log, stop);
    run.update({ status: outcome.status, endedAt: new Date().toISOString(), ...(outcome.error ? { error: outcome.error } : {}) });
    if (outcome.status === 'failed') {
      log('error', outcome.error ?? 'YOLOv5 failed');
      rep.event({ type: 'end', run: run.name, status: 'failed', error: outcome.error });
      return 1;
    }
    log('info', outcome.status === 'stopped'
      ? `stopped after ${run.record.epochsDone ?? 0} epoch(s); YOLOv5's weights/last.pt holds the last finished one`
      : `finished ${run.record.epochsDone ?? 0} epoch(s)`);
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
    throw new Yolov5SettingsError(`yolov5.folder in ${experimentFile} is ${folder}, which is not a folder: point it at a YOLOv5 checkout (git clone https://github.com/ultralytics/yolov5)`);
  }
  if (!(await stat(path.join(folder, 'train.py')).then((f) => f.isFile(), () => false))) {
    throw new Yolov5SettingsError(`no train.py in ${folder} (yolov5.folder in ${experimentFile}): point it at a YOLOv5 checkout, the folder holding train.py (git clone https://github.com/ultralytics/yolov5)`);
  }
}

/** Trainable and total parameters as YOLOv5 will build the model (the input the Modules view counts
 *  with); a model too large to build is refused here, before train.py tries to allocate it. */
async function parameterCounts(exp: Experiment, freeze: FreezeSpec, log: (l: 'info' | 'warn', m: string) => void): Promise<{ trainableParams: number; totalParams: number } | undefined> {
  const { summary, diagnostics } = await loadExperimentModel(exp);
  const tooLarge = diagnostics.filter((d) => d.code === 'size-limit');
  if (tooLarge.length) throw new Yolov5SettingsError(formatDiagnostics(tooLarge));
  for (const d of diagnostics) if (d.severity === 'warning') log('info', d.message);
  if (!summary) return undefined;
  const state = frozenState(summary, freeze);
  return { trainableParams: state.trainableParams, totalParams: state.totalParams };
}

interface Outcome {
  status: RunStatus;
  error?: string;
}

async function drive(
  exp: Experiment, settings: Yolov5Settings, run: Yolov5RunFolder, freeze: FreezeSpec, o: Yolov5TrainOptions,
  log: (level: 'info' | 'warn' | 'error', msg: string) => void, stop: StopRequests,
): Promise<Outcome> {
  const env = o.env ?? process.env;
  if (!/\.ya?ml$/i.test(exp.model)) {
    throw new Yolov5SettingsError(`trainer: yolov5 needs \`model:\` to be a YOLOv5 model YAML (e.g. ../yolov5/models/yolov5s.yaml), passed to train.py as --cfg; ${exp.file} names ${exp.model}`);
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

/** Follows one train.py process: its output, its results.csv, its resource use. */
class Yolov5Follower {
  private readonly tail: ResultsCsvTail;
  private readonly usage?: RunUsage;
  private readonly output = new LineTail(60);
  private readonly spawnedAt = Date.now();
  private epochs?: number;
  private started = false;
  private device?: string;
  private lastRowAt?: number;
  private pendingHeaderAt?: number;
  private readonly epochStart = new Map<number, number>();
  private lastBatchAt = 0;
  private reading: Promise<void> = Promise.resolve();
  private readonly recordedBefore: number;
  /** Epoch headers train.py printed, and rows recorded, by this process. */
  private epochsBegun = 0;
  private epochsRecorded = 0;

  constructor(
    private readonly run: Yolov5RunFolder,
    private readonly o: Yolov5TrainOptions,
    private readonly log: (level: 'info' | 'warn' | 'error', msg: string) => void,
    pid: number | undefined,
  ) {
    this.tail = new ResultsCsvTail(run.resultsCsv);
    this.epochs = run.record.epochs;
    this.recordedBefore = run.lastEpoch;
    if (pid !== undefined) this.usage = new RunUsage(pid, o.sampleMs ?? 2000, o.env ?? process.env);
  }

  follow(child: ChildProcess, stop: StopRequests): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let spawnError: Error | undefined;
      const streams = { stdout: new TerminalLines(), stderr: new TerminalLines() };
      const onChunk = (parts: { updates: string[]; lines: string[] }) => {
        for (const u of parts.updates) this.onUpdate(u);
        for (const l of parts.lines) this.onLine(l);
      };
      child.stdout!.on('data', (d: Buffer) => onChunk(streams.stdout.push(d)));
      child.stderr!.on('data', (d: Buffer) => onChunk(streams.stderr.push(d)));
      const poll = setInterval(() => this.schedulePoll(), this.o.pollMs ?? 500);
      this.usage?.start();
      let escalation: ReturnType<typeof setTimeout> | undefined;
      stop.forward = (sig, count) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        if (count === 1) {
          // A group signal reached train.py already; one sent to this process alone did not.
          if (sig === 'SIGTERM') child.kill('SIGINT');
          else escalation = setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGINT'), 5000);
        } else child.kill(count === 2 ? 'SIGTERM' : 'SIGKILL');
      };
      child.on('error', (e) => {
        spawnError = e;
        if (child.pid === undefined) finish(null, null);
      });
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        clearInterval(poll);
        if (escalation) clearTimeout(escalation);
        stop.forward = undefined;
        this.usage?.stop();
        onChunk(streams.stdout.end());
        onChunk(streams.stderr.end());
        this.schedulePoll();
        void this.reading.then(() => {
          const how = spawnError ? `could not start: ${spawnError.message}` : signal ? `ended by ${signal}` : `exit code ${code}`;
          this.log('info', `train.py ${how}`);
          if (spawnError) resolve({ status: 'failed', error: `could not start Python (${spawnError.message}): set yolov5.python in the experiment or select an interpreter with the Python extension` });
          else if (stop.requested) resolve({ status: 'stopped' });
          else if (code === 0) resolve({ status: 'finished' });
          else resolve({ status: 'failed', error: failureMessage(how, this.output.all) });
        });
      };
      child.on('close', (code, signal) => finish(code, signal));
    });
  }

  private onUpdate(segment: string): void {
    const p = parseTrainProgress(segment);
    if (!p) return;
    if (!this.epochStart.has(p.epoch)) this.epochStart.set(p.epoch, this.pendingHeaderAt ?? Date.now());
    // Training has begun: the device line (printed before, on the same stream) has been read.
    if (this.epochs === undefined) this.setEpochs(p.lastEpoch + 1);
    this.emitStart();
    const now = Date.now();
    if (now - this.lastBatchAt < 250 && p.done < p.of) return;
    this.lastBatchAt = now;
    this.o.reporter.event({ type: 'batch', run: this.run.name, epoch: p.epoch + 1, batch: p.done, batches: p.of, loss: p.losses[0] + p.losses[1] + p.losses[2] });
  }

  private onLine(line: string): void {
    this.run.output(line);
    this.output.push(line);
    if (isEpochHeader(line)) {
      this.pendingHeaderAt = Date.now();
      // Samples from here on belong to the next epoch; at least one, however short it is.
      this.epochsBegun++;
      if (this.usage) {
        this.usage.epoch = this.epochsBegun;
        void this.usage.sampleNow();
      }
    }
    const device = this.device === undefined ? parseDeviceLine(line) : undefined;
    if (device) {
      this.device = device;
      if (this.usage) this.usage.device = /^CPU/.test(device) ? 'cpu' : device;
      this.run.update({ device });
    }
  }

  private setEpochs(n: number): void {
    this.epochs = n;
    if (this.run.record.epochs !== n) this.run.update({ epochs: n });
  }

  private emitStart(): void {
    if (this.started || this.epochs === undefined) return;
    this.started = true;
    const r = this.run.record;
    this.o.reporter.event({
      type: 'start', run: r.name, engine: 'yolov5', device: this.device ?? this.usage?.gpuName ?? 'device not reported by YOLOv5',
      epochs: this.epochs, trainableParams: r.trainableParams ?? 0, totalParams: r.totalParams ?? 0,
    });
  }

  /** Reads run one after another, so rows are recorded in order. */
  private schedulePoll(): void {
    this.reading = this.reading.then(() => this.poll()).catch((e) => this.log('warn', `reading YOLOv5's results: ${errorMessage(e)}`));
  }

  private async poll(): Promise<void> {
    if (this.epochs === undefined) {
      const fromOpt = readOptEpochs(this.run.optYaml);
      if (fromOpt !== undefined) this.setEpochs(fromOpt);
    }
    const { rows, problems, restarted, writtenAt } = await this.tail.readNew();
    if (restarted) this.log('warn', `${this.tail.file} was rewritten; reading it again from its start (epochs already recorded are kept)`);
    for (const p of problems) this.log('warn', `${this.tail.file}:${p.line}: ${p.message}`);
    if (rows.length === 0) return;
    const written = writtenAt ?? Date.now();
    // A sample still under way belongs to the epochs being recorded.
    await this.usage?.settled();
    rows.forEach((row, i) => this.record(row, i < rows.length - 1 ? this.epochStart.get((row.epoch ?? 0) + 1) ?? written : written));
  }

  private record(row: ResultsRow, endedAt: number): void {
    const n = epochNumber(row);
    // A resumed run's results.csv starts with the epochs recorded before: already in metrics.jsonl.
    if (n <= this.recordedBefore) return;
    if (n <= this.run.lastEpoch) {
      this.log('warn', `results.csv has epoch ${row.epoch} again (YOLOv5 repeated it after a resume or a final validation); the first one recorded is kept`);
      return;
    }
    // Also when no progress bar was recognised (another YOLOv5 version's format).
    if (this.epochs !== undefined) this.emitStart();
    const startedAt = this.lastRowAt ?? this.epochStart.get(row.epoch ?? 0) ?? this.spawnedAt;
    // The k-th epoch this process records is the k-th one train.py announced: its samples.
    const use = this.usage?.take(++this.epochsRecorded) ?? {};
    this.lastRowAt = endedAt;
    const m = epochMetricsFromRow(row, {
      seconds: Math.max(0, (endedAt - startedAt) / 1000),
      time: new Date(endedAt).toISOString(),
      ...(use.rssPeakBytes !== undefined ? { rssBytes: use.rssPeakBytes } : {}),
      ...(use.gpuUtil !== undefined ? { deviceUtil: use.gpuUtil } : {}),
      ...(use.gpuMemoryPeakBytes !== undefined ? { deviceMemoryBytes: use.gpuMemoryPeakBytes } : {}),
    });
    this.run.appendEpoch(m);
    const best = (key: 'val/mAP_0.5' | 'val/mAP_0.5:0.95', prev: number | undefined) => {
      const v = m[key];
      return v !== undefined && Number.isFinite(v) && (prev === undefined || v > prev) ? v : prev;
    };
    const r = this.run.record;
    const bestMap50 = best('val/mAP_0.5', r.bestMap50);
    const bestMap50_95 = best('val/mAP_0.5:0.95', r.bestMap50_95);
    this.run.update({
      epochsDone: this.run.lastEpoch,
      ...(bestMap50 !== undefined ? { bestMap50 } : {}),
      ...(bestMap50_95 !== undefined ? { bestMap50_95 } : {}),
      ...(this.device === undefined && this.usage?.gpuName ? { device: this.usage.gpuName } : {}),
    });
    this.log('info', describeYolov5Epoch(m, this.epochs));
  }
}

/** `epochs:` from the opt.yaml YOLOv5 writes as training starts; undefined until it exists. */
function readOptEpochs(file: string): number | undefined {
  try {
    const doc = load(readFileSync(file, 'utf8')) as { epochs?: unknown } | null;
    return doc && typeof doc.epochs === 'number' && Number.isInteger(doc.epochs) && doc.epochs > 0 ? doc.epochs : undefined;
  } catch {
    return undefined;
  }
}
