// `transfer-lab sweep`: the YOLOv5 freezing guide's experiment for one experiment file. The runs of
// a freeze sweep train one after another, each as a `transfer-lab train` child process of this same
// CLI, all from the same pretrained weights and seed; then the comparison table. Child processes,
// not in-process runs, so every run's time and peak memory are its own (one run's leftovers cannot
// inflate the next one's figures) and a stop signal reaches exactly the run that is training.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { sweepName, sweepRunName } from '../../shared/runs/runNames';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { parseFreezeArg } from '../../shared/cli/modulesTable';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { ProgressEvent, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { parseProgressLine } from '../../shared/runFolder/progressLine';
import { readMetricsFile } from '../run/metricsFile';
import { readRunRecord } from '../../shared/runFolder/readRecord';
import type { SweepEvent, SweepRunPlan } from '../sweep/events';
import { pretrainRunFor, weightsExist } from '../sweep/pretrainRun';
import { formatFreeze } from '../../shared/freezeText';
import { buildSweepTable, SweepPretrain, SweepRunInput, SweepTable } from '../sweep/sweepTable';
import { formatSweepTable } from '../sweep/sweepTableText';
import { requestedEngine } from '../engines';
import { resolveModelJson, sha256OfModelFiles } from '../model/modelFiles';
import { isAlive } from '../../shared/system/processAlive';
import { parseArgs, positiveInt, UsageError } from './args';
import type { Command } from './command';
import { TtyReporter } from './progress';
import { onLines } from './streamLines';
import { planFreezes } from './planFreezes';

export interface SweepOptions {
  experimentFile: string;
  /** Freeze values to train; default the seed's three (nothing, backbone, all but head). */
  freezes?: FreezeSpec[];
  json: boolean;
  engine?: string;
  /** Epochs of each sweep run (not of pretraining, which follows its own experiment). */
  epochs?: number;
  runsDir?: string;
  /** Sweep name; runs are `<name>-freeze-<value>`. Default `sweep-<yyyymmdd-hhmm>`. */
  name?: string;
  noCache: boolean;
  /** Train although the experiment has top-level keys nothing reads (passed on to every run). */
  allowUnknownKeys?: boolean;
  /** The CLI script the runs are started with (this process's own). */
  trainerScript: string;
  progress: SweepProgress;
  out: NodeJS.WritableStream;
}

/** Progress of a sweep: the runs' own events plus the sweep's. */
export interface SweepProgress {
  run(e: ProgressEvent): void;
  sweep(e: SweepEvent): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  close(): void;
}

/** Not a terminal: every event as one JSON line (on stderr, so stdout holds only the table). */
export class JsonLinesSweepProgress implements SweepProgress {
  private closed = false;
  /** The sweep's own log lines carry its name once it is known. */
  private name = '';

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw err;
    });
  }

  private write(e: object): void {
    if (!this.closed) this.stream.write(`${JSON.stringify(e)}\n`);
  }

  run(e: ProgressEvent): void {
    this.write(e);
  }

  sweep(e: SweepEvent): void {
    this.name = e.sweep;
    this.write(e);
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.write({ type: 'log', run: this.name, level, message } satisfies ProgressEvent);
  }

  close(): void {
    // flushed by Node before exit
  }
}

/** A terminal: the `train` progress bar and epoch lines on stderr, one header line per run. */
export class TtySweepProgress implements SweepProgress {
  private readonly tty: TtyReporter;

  constructor(private readonly err: NodeJS.WriteStream) {
    this.tty = new TtyReporter(err, err);
  }

  run(e: ProgressEvent): void {
    // The runs' own info lines (engine probes, data, cache…) are in their train.log.
    if (e.type === 'log' && e.level === 'info') return;
    this.tty.event(e);
  }

  sweep(e: SweepEvent): void {
    this.tty.close();
    if (e.type === 'sweep-run') {
      const what = e.role === 'pretrain' ? 'pretraining' : `freeze ${formatFreeze(e.freeze)}`;
      this.err.write(`\n[${e.index}/${e.of}] ${e.run} (${what})\n`);
    } else if (e.type === 'sweep-start') {
      this.err.write(`sweep ${e.sweep}: ${e.runs.length} runs into ${e.runsDir}${e.pretrain ? `, after pretraining run ${e.pretrain.run}` : ''}\n`);
    }
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.tty.event({ type: 'log', run: '', level, message });
  }

  close(): void {
    this.tty.close();
  }
}

/** `--freeze` may repeat; the generic parser keeps one value per option, so they are taken out first. */
export function takeRepeated(argv: string[], option: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === `--${option}`) {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`--${option} needs a value`);
      values.push(v);
      i++;
    } else if (a.startsWith(`--${option}=`)) {
      values.push(a.slice(option.length + 3));
    } else {
      rest.push(a);
    }
  }
  return { values, rest };
}

function listNames(runsDir: string): string[] {
  try {
    return readdirSync(runsDir);
  } catch {
    return [];
  }
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
}

interface ChildOutcome {
  status: RunStatus;
  error?: string;
}

/** Runs the `sweep` command; resolves to the process exit code. */
export async function runSweep(o: SweepOptions): Promise<number> {
  const exp = await loadExperiment(o.experimentFile);
  refuseUnknownKeys(exp, o.allowUnknownKeys);
  for (const w of warningLines(exp)) o.progress.log('warn', w);
  const { summary: model, diagnostics } = await loadExperimentModel(exp);
  if (!model) throw new Error(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
  const plan = planFreezes(model, o.freezes);
  const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
  const existing = listNames(runsDir);

  let sweep: string;
  if (o.name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name) || o.name.length > 80) {
      throw new UsageError(`--name '${o.name}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
    }
    sweep = o.name;
    const taken = plan.map((p) => sweepRunName(sweep, p.freeze)).filter((n) => existing.includes(n));
    if (taken.length) throw new UsageError(`${taken.map((n) => path.join(runsDir, n)).join(', ')} already exist${taken.length === 1 ? 's' : ''}: pick another --name, or leave it out for a new sweep-<time> name`);
  } else {
    sweep = sweepName(new Date(), (s) => existing.some((n) => n === s || n.startsWith(`${s}-`)));
  }
  const runs: SweepRunPlan[] = plan.map((p) => ({ run: sweepRunName(sweep, p.freeze), freeze: p.freeze, label: p.label }));

  // Stop signals: the run in progress checkpoints and is marked stopped; nothing after it starts.
  let stopping: NodeJS.Signals | undefined;
  let current: { child: ChildProcess; run: string } | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = sig;
    o.progress.log('warn', `${sig} received: ${current ? `run ${current.run} stops after its current batch (weights/last saved, marked stopped); ` : ''}the sweep's remaining runs are not started`);
    // A terminal's Ctrl+C reaches the child too (same process group); a signal sent to this
    // process alone (a parent, `timeout`) is passed on. The trainer ignores a repeated signal.
    current?.child.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const train = async (run: string, args: string[]): Promise<ChildOutcome> => {
    if (stopping) return { status: 'stopped' };
    const allow = o.allowUnknownKeys ? [`--${ALLOW_UNKNOWN_KEYS}`] : [];
    // stdin: a pipe this process never writes to. If it dies, even by kill -9, the run sees the pipe
    // close and stops as on SIGTERM, so it does not train on with no sweep after it.
    const child = spawn(process.execPath, [o.trainerScript, 'train', ...args, ...allow, '--json', '--stop-with-parent'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin!.on('error', () => undefined); // never written; only its closing matters
    current = { child, run };
    return await followChild(child, run, o.progress).finally(() => {
      current = undefined;
    });
  };

  try {
    const pre = await pretrainFirst(exp, runsDir, o, sweep, runs, train);
    if ('stopped' in pre) return finish(o, exp, sweep, runsDir, [], runs, undefined, 'stopped', stopping);
    if ('failed' in pre) {
      o.progress.log('error', pre.failed);
      o.progress.sweep({ type: 'sweep-end', sweep, status: 'failed' });
      return 1;
    }
    const offset = pre.ran ? 1 : 0;
    const of = runs.length + offset;
    const outcomes: ChildOutcome[] = [];
    for (const [i, r] of runs.entries()) {
      if (stopping) break;
      o.progress.sweep({ type: 'sweep-run', sweep, run: r.run, role: 'sweep', index: i + 1 + offset, of, freeze: r.freeze });
      const args = [exp.file, '--name', r.run, '--freeze', freezeArg(r.freeze), '--sweep', sweep, '--runs-dir', runsDir];
      if (o.engine) args.push('--engine', o.engine);
      if (o.epochs) args.push('--epochs', String(o.epochs));
      if (o.noCache) args.push('--no-cache');
      outcomes.push(await train(r.run, args));
    }
    const status = stopping ? 'stopped' : outcomes.some((x) => x.status !== 'finished') ? 'failed' : 'finished';
    return await finish(o, exp, sweep, runsDir, outcomes, runs, pre.weights, status, stopping);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

type PretrainResult = { ran: boolean; weights?: SweepPretrain } | { stopped: true } | { failed: string };

/**
 * The weights every run starts from. Missing weights that `pretrain:` makes: that experiment runs
 * first (a stopped or killed pretraining run is resumed), named after the run folder the weights
 * path points into.
 */
async function pretrainFirst(
  exp: Experiment, runsDir: string, o: SweepOptions, sweep: string, runs: SweepRunPlan[],
  train: (run: string, args: string[]) => Promise<ChildOutcome>,
): Promise<PretrainResult> {
  const start = (pretrain?: Extract<SweepEvent, { type: 'sweep-start' }>['pretrain']): void =>
    o.progress.sweep({ type: 'sweep-start', sweep, experiment: exp.file, runsDir, runs, ...(pretrain ? { pretrain } : {}) });
  const weights = exp.weights;
  if (!weights) {
    start();
    o.progress.log('warn', `${rel(exp.file)} has no weights: every run starts from random weights, so frozen modules keep random features; set weights: (and pretrain:) to compare transfer learning`);
    return { ran: false };
  }
  const target = pretrainRunFor(weights);
  const described = (ran: boolean): SweepPretrain => ({ run: target?.name ?? null, ran, weights, weightsSha256: sha256OfModelFiles(resolveModelJson(weights)) });
  if (weightsExist(weights)) {
    start();
    const d = described(false);
    o.progress.log('info', `pretrained weights ${rel(weights)} exist (sha256 ${d.weightsSha256.slice(0, 12)}…): every run starts from them, no pretraining`);
    return { ran: false, weights: d };
  }
  if (!exp.pretrain) {
    return { failed: `${exp.file}: weights ${weights} do not exist, and the experiment has no pretrain: naming the experiment that makes them; train that first or fix weights:` };
  }
  if (!target) {
    return { failed: `${exp.file}: weights ${weights} do not exist, and pretraining (${exp.pretrain}) cannot make them there: a run writes runs/<name>/weights/best. Point weights: at such a folder.` };
  }
  let preExp: Experiment;
  try {
    preExp = await loadExperiment(exp.pretrain);
  } catch (err) {
    return { failed: `cannot pretrain for ${exp.file} with ${exp.pretrain}:\n${(err as Error).message}` };
  }
  const dir = path.join(target.runsDir, target.name);
  let resume = false;
  if (existsSync(dir)) {
    let rec: RunRecord | undefined;
    try {
      rec = await readRunRecord(dir);
    } catch (err) {
      return { failed: `${(err as Error).message}` };
    }
    const alive = rec?.status === 'running' && rec.pid !== undefined && isAlive(rec.pid);
    if (rec && (rec.status === 'stopped' || (rec.status === 'running' && !alive))) resume = true;
    else {
      const why = !rec ? 'has no run.json' : alive ? `is still running (pid ${rec.pid})` : `is ${rec.status}${rec.error ? ` (${rec.error})` : ''} without weights/best`;
      return { failed: `weights ${weights} do not exist, and the pretraining run folder ${dir} ${why}. ${alive ? 'Wait for it, or stop it' : 'Delete that folder'}, then start the sweep again.` };
    }
  }
  start({ run: target.name, experiment: preExp.file, runsDir: target.runsDir, resume });
  o.progress.log('info', `pretrained weights ${rel(weights)} do not exist yet: ${resume ? 'resuming' : 'running'} pretraining run ${target.name} `
    + `(${rel(preExp.file)}) first, into ${rel(dir)}; every run of the sweep then starts from its weights/best`);
  o.progress.sweep({ type: 'sweep-run', sweep, run: target.name, role: 'pretrain', index: 1, of: runs.length + 1, freeze: preExp.freeze });
  const args = [preExp.file, '--name', target.name, '--runs-dir', target.runsDir];
  if (resume) args.push('--resume');
  if (o.engine) args.push('--engine', o.engine);
  const outcome = await train(target.name, args);
  if (outcome.status === 'stopped') return { stopped: true };
  if (outcome.status !== 'finished') return { failed: `pretraining run ${target.name} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}; see ${path.join(dir, 'train.log')}` };
  if (!weightsExist(weights)) return { failed: `pretraining run ${target.name} finished but ${weights} does not exist: does weights: in ${exp.file} point at runs/${target.name}/weights/best?` };
  const d = described(true);
  o.progress.log('info', `pretraining done: weights ${rel(weights)} (sha256 ${d.weightsSha256.slice(0, 12)}…)`);
  return { ran: true, weights: d };
}

/** Forwards a `train --json` child's events; resolves to how its run ended. */
function followChild(child: ChildProcess, run: string, progress: SweepProgress): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    let end: ChildOutcome | undefined;
    let stderr = '';
    onLines(child.stdout!, (line) => {
      const e = parseProgressLine(line);
      if (!e) {
        if (line.trim()) progress.run({ type: 'log', run, level: 'warn', message: line });
        return;
      }
      if (e.type === 'end') end = { status: e.status, ...(e.error ? { error: e.error } : {}) };
      progress.run(e);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', (err) => {
      progress.run({ type: 'log', run, level: 'error', message: `cannot start the trainer: ${err.message}` });
      resolve({ status: 'failed', error: err.message });
    });
    child.on('close', (code, signal) => {
      const text = stderr.trim();
      // The trainer reports through its events; stderr only carries what it could not say there.
      if (text && !(end?.error && text.includes(end.error))) progress.run({ type: 'log', run, level: end?.status === 'finished' ? 'warn' : 'error', message: text });
      if (end) resolve(end);
      else resolve({ status: 'failed', error: `the trainer exited with ${signal ? `signal ${signal}` : `code ${code}`} before the run ended${text ? `: ${text.split('\n').pop()}` : ''}` });
    });
  });
}

async function finish(
  o: SweepOptions, exp: Experiment, sweep: string, runsDir: string, outcomes: ChildOutcome[], runs: SweepRunPlan[],
  weights: SweepPretrain | undefined, status: SweepTable['status'], stopping: NodeJS.Signals | undefined,
): Promise<number> {
  const inputs: SweepRunInput[] = [];
  for (const r of runs) {
    const dir = path.join(runsDir, r.run);
    let record: RunRecord | undefined;
    try {
      record = await readRunRecord(dir);
    } catch (err) {
      o.progress.log('error', (err as Error).message);
    }
    if (!record) continue; // never started (the sweep was stopped before it)
    inputs.push({ record, metrics: readMetricsFile(path.join(dir, 'metrics.jsonl')), label: r.label });
  }
  const table = buildSweepTable({ sweep, experiment: exp.file, status, ...(weights ? { pretrain: weights } : {}), runs: inputs });
  if (weights) {
    const other = table.runs.filter((r) => r.weightsSha256 !== null && r.weightsSha256 !== weights.weightsSha256);
    for (const r of other) o.progress.log('warn', `${r.run} started from other weights (sha256 ${r.weightsSha256!.slice(0, 12)}…) than ${rel(weights.weights)}: ${weights.weights} changed during the sweep`);
  }
  o.progress.sweep({ type: 'sweep-end', sweep, status });
  o.progress.close();
  o.out.write(o.json ? `${JSON.stringify(table)}\n` : `${formatSweepTable(table)}\n`);
  if (stopping) return stopping === 'SIGINT' ? 130 : 143;
  return outcomes.length === runs.length && status === 'finished' ? 0 : 1;
}

export const sweep: Command = {
  usage: 'sweep <experiment.yaml> [--freeze SPEC ...] [--json] [--engine NAME] [--epochs N] [--runs-dir DIR] [--name PREFIX] [--no-cache] [--allow-unknown-keys]',
  summary: 'freeze sweep: one run per freeze value (default: nothing, backbone, all but head) from the same pretrained weights, '
    + 'pretraining first when they are missing; then the comparison table (--json: one JSON object). Progress goes to stderr; '
    + '--epochs applies to the sweep\'s runs, not to pretraining; like train, refuses unknown experiment keys unless --allow-unknown-keys',
  async run(argv) {
    const { values: freezeValues, rest } = takeRepeated(argv, 'freeze');
    const a = parseArgs(rest, { values: ['engine', 'runs-dir', 'epochs', 'name'], switches: ['json', 'no-cache', ALLOW_UNKNOWN_KEYS] }, 'sweep');
    if (a.positionals.length !== 1) throw new UsageError(`'sweep' needs exactly one experiment file, got ${a.positionals.length}`);
    try {
      requestedEngine(a.values.get('engine')); // a misspelt engine fails here, not once per run
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const freezes = freezeValues.map((v) => {
      try {
        return parseFreezeArg(v);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
    const progress: SweepProgress = process.stderr.isTTY ? new TtySweepProgress(process.stderr) : new JsonLinesSweepProgress(process.stderr);
    try {
      return await runSweep({
        experimentFile: a.positionals[0],
        ...(freezes.length ? { freezes } : {}),
        json: a.switches.has('json'),
        engine: a.values.get('engine'),
        epochs: a.values.has('epochs') ? positiveInt(a.values.get('epochs')!, '--epochs') : undefined,
        runsDir: a.values.get('runs-dir'),
        name: a.values.get('name'),
        noCache: a.switches.has('no-cache'),
        allowUnknownKeys: a.switches.has(ALLOW_UNKNOWN_KEYS),
        trainerScript: process.argv[1],
        progress,
        out: process.stdout,
      });
    } finally {
      progress.close();
    }
  },
};
