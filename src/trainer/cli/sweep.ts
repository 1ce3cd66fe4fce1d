// `transfer-lab sweep`: the YOLOv5 freezing guide's experiment for one experiment file. The runs of
// a freeze sweep train one after another, each as a `transfer-lab train` child process of this same
// CLI, all from the same pretrained weights and seed; then the comparison table. Child processes,
// not in-process runs, so every run's time and peak memory are its own (one run's leftovers cannot
// inflate the next one's figures) and a stop signal reaches exactly the run that is training.
import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { sweepName, sweepRunName } from '../../shared/runs/runNames';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { parseFreezeArg } from './modulesTable';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { readMetricsFile } from '../run/metricsFile';
import type { SweepRunPlan } from '../sweep/events';
import { buildSweepTable, SweepPretrain, SweepRunInput, SweepTable } from '../sweep/sweepTable';
import { formatSweepTable } from '../sweep/sweepTableText';
import { requestedEngine } from '../engines';
import { parseArgs, positiveInt, UsageError } from './args';
import type { Command } from './command';
import { planFreezes, withFineTune } from './planFreezes';
import { takeRepeated } from './repeatedOption';
import { followChild } from './sweepChild';
import type { ChildOutcome } from './sweepChild';
import { pretrainFirst, rel } from './sweepPretrain';
import { JsonLinesSweepProgress, TtySweepProgress } from './sweepProgress';
import type { SweepProgress } from './sweepProgress';
import type { RunRecord } from '../../shared/runFolder/contract';
import { readRunRecord } from '../../shared/runFolder/readRecord';
import { experimentFileUsesYolov5 } from '../../shared/yolov5/experimentTrainer';

// slurmCli.ts still imports these from here; they live in their own modules now.

export interface SweepOptions {
  experimentFile: string;
  /** Freeze values to train; default the seed's three (nothing, backbone, all but head). */
  freezes?: FreezeSpec[];
  /** Add a fine_tune run (fastai's recipe: the body frozen for an epoch, then everything with
   *  discriminative rates) to compare with the freeze values. */
  fineTune?: boolean;
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

function listNames(runsDir: string): string[] {
  try {
    return readdirSync(runsDir);
  } catch {
    return [];
  }
}

/** Runs the `sweep` command; resolves to the process exit code. */
export async function runSweep(o: SweepOptions): Promise<number> {
  const exp = await loadExperiment(o.experimentFile);
  refuseUnknownKeys(exp, o.allowUnknownKeys);
  if (o.fineTune && (await experimentFileUsesYolov5(exp.file)))
    throw new UsageError("--fine-tune: YOLOv5's train.py has no freeze schedule or per-module learning rates");
  for (const w of warningLines(exp)) o.progress.log('warn', w);
  const { summary: model, diagnostics } = await loadExperimentModel(exp);
  if (!model) throw new Error(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
  const freezes = planFreezes(model, o.freezes);
  const plan = o.fineTune ? withFineTune(model, freezes) : freezes;
  const runsDir = path.resolve(o.runsDir ?? path.join(path.dirname(exp.file), 'runs'));
  const existing = listNames(runsDir);

  let sweep: string;
  if (o.name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name) || o.name.length > 80) {
      throw new UsageError(`--name '${o.name}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
    }
    sweep = o.name;
    const taken = plan.map((p) => sweepRunName(sweep, p.freeze, !!p.fineTune)).filter((n) => existing.includes(n));
    if (taken.length)
      throw new UsageError(
        `${taken.map((n) => path.join(runsDir, n)).join(', ')} already exist${taken.length === 1 ? 's' : ''}: pick another --name, or leave it out for a new sweep-<time> name`,
      );
  } else {
    sweep = sweepName(new Date(), (s) => existing.some((n) => n === s || n.startsWith(`${s}-`)));
  }
  const runs: SweepRunPlan[] = plan.map((p) => ({
    run: sweepRunName(sweep, p.freeze, !!p.fineTune),
    freeze: p.freeze,
    label: p.label,
    ...(p.fineTune ? { fineTune: p.fineTune } : {}),
  }));

  // Stop signals: the run in progress checkpoints and is marked stopped; nothing after it starts.
  let stopping: NodeJS.Signals | undefined;
  let current: { child: ChildProcess; run: string } | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = sig;
    o.progress.log(
      'warn',
      `${sig} received: ${current ? `run ${current.run} stops after its current batch (weights/last saved, marked stopped); ` : ''}the sweep's remaining runs are not started`,
    );
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
    const child = spawn(process.execPath, [o.trainerScript, 'train', ...args, ...allow, '--json', '--stop-with-parent'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
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
      if (r.fineTune) args.push('--fine-tune');
      outcomes.push(await train(r.run, args));
    }
    const status = stopping ? 'stopped' : outcomes.some((x) => x.status !== 'finished') ? 'failed' : 'finished';
    return await finish(o, exp, sweep, runsDir, outcomes, runs, pre.weights, status, stopping);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function finish(
  o: SweepOptions,
  exp: Experiment,
  sweep: string,
  runsDir: string,
  outcomes: ChildOutcome[],
  runs: SweepRunPlan[],
  weights: SweepPretrain | undefined,
  status: SweepTable['status'],
  stopping: NodeJS.Signals | undefined,
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
    for (const r of other)
      o.progress.log(
        'warn',
        `${r.run} started from other weights (sha256 ${r.weightsSha256!.slice(0, 12)}…) than ${rel(weights.weights)}: ${weights.weights} changed during the sweep`,
      );
  }
  o.progress.sweep({ type: 'sweep-end', sweep, status });
  o.progress.close();
  o.out.write(o.json ? `${JSON.stringify(table)}\n` : `${formatSweepTable(table)}\n`);
  if (stopping) return stopping === 'SIGINT' ? 130 : 143;
  return outcomes.length === runs.length && status === 'finished' ? 0 : 1;
}

export const sweep: Command = {
  usage:
    'sweep <experiment.yaml> [--freeze SPEC ...] [--fine-tune] [--json] [--engine NAME] [--epochs N] [--runs-dir DIR] [--name PREFIX] [--no-cache] [--allow-unknown-keys]',
  summary:
    'freeze sweep: one run per freeze value (default: nothing, backbone, all but head) from the same pretrained weights, ' +
    'pretraining first when they are missing; then the comparison table (--json: one JSON object). Progress goes to stderr; ' +
    '--fine-tune adds a fastai fine_tune run (the body frozen for 1 epoch, then everything at lr/100…lr, one-cycle); ' +
    "--epochs applies to the sweep's runs, not to pretraining; like train, refuses unknown experiment keys unless --allow-unknown-keys",
  async run(argv) {
    const { values: freezeValues, rest } = takeRepeated(argv, 'freeze');
    const a = parseArgs(
      rest,
      { values: ['engine', 'runs-dir', 'epochs', 'name'], switches: ['json', 'no-cache', 'fine-tune', ALLOW_UNKNOWN_KEYS] },
      'sweep',
    );
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
    const progress: SweepProgress = process.stderr.isTTY
      ? new TtySweepProgress(process.stderr)
      : new JsonLinesSweepProgress(process.stderr);
    try {
      return await runSweep({
        experimentFile: a.positionals[0],
        ...(freezes.length ? { freezes } : {}),
        fineTune: a.switches.has('fine-tune'),
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
