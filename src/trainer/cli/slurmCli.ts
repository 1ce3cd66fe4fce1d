// `transfer-lab train|sweep … --slurm [sbatch options…]`: the same run or freeze sweep, submitted to
// Slurm instead of trained here. Everything after `--slurm` goes to sbatch as it is (after what the
// experiment's `slurm:` section asks for, so it wins). One run is one job, a sweep one job array
// (after its pretraining job when the weights are missing). The command then follows the jobs as
// the editor does — their output file's progress events, the scheduler's state with back-off — and
// ends with the runs: exit 0 when every run finished (or stopped because you asked), else 1.
// Ctrl+C (SIGINT/SIGTERM) cancels the jobs with scancel: the trainers checkpoint and record
// `stopped`. `--detach` submits and exits; the editor or a later look at run.json follows them.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseFreezeArg } from '../../shared/cli/modulesTable';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import type { ProgressEvent, RunRecord } from '../../shared/runFolder/contract';
import { parseProgressLine } from '../../shared/runFolder/progressLine';
import { readMetricsFile } from '../run/metricsFile';
import { readRunRecord } from '../../shared/runFolder/readRecord';
import { writeRunRecord } from '../../shared/runFolder/writeRecord';
import { SlurmClient, SlurmError, submissionEnv, type JobInfo } from '../../shared/slurm/client';
import { Backoff, finalRecord, lastLines, OutputTail } from '../../shared/slurm/follow';
import { jobOutputFile, type TrainerCall } from '../../shared/slurm/jobScript';
import { describeJobState, isTerminalState, jobOutcome, type RunOutcome } from '../../shared/slurm/jobState';
import { describeSlurmOptions, mergeSlurmOptions, type SlurmOptions } from '../../shared/slurm/options';
import { experimentSlurmOptions, registerSlurmSections } from '../../shared/slurm/section';
import { submitRuns } from '../../shared/slurm/submitRuns';
import { pretrainRunFor, weightsExist } from '../sweep/pretrainRun';
import type { SweepRunPlan } from '../sweep/events';
import { buildSweepTable, type SweepRunInput } from '../sweep/sweepTable';
import { formatSweepTable } from '../sweep/sweepTableText';
import { sweepName, sweepRunName } from '../../shared/runs/runNames';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { defaultRunName, latestRunOf, uniqueRunName } from '../run/runFolder';
import { parseArgs, positiveInt, UsageError } from './args';
import type { Command } from './command';
import { makeReporter } from './progress';
import { planFreezes } from './planFreezes';
import { JsonLinesSweepProgress, takeRepeated, TtySweepProgress, type SweepProgress } from './sweep';

// Every experiment this process parses may carry `executor:` and `slurm:` sections (the trainer
// inside a job parses the same file): known keys, checked with their line numbers.
registerSlurmSections();

/** `train`/`sweep` as they are, and with `--slurm` the cluster version. */
export function withSlurm(command: Command, onSlurm: (argv: string[]) => Promise<number>): Command {
  return {
    usage: `${command.usage} [--slurm [--detach] [sbatch options…]]`,
    summary: `${command.summary}; with --slurm, as Slurm job(s) followed to the end (options after --slurm go to sbatch)`,
    run: (argv) => (argv.includes('--slurm') ? onSlurm(argv) : command.run(argv)),
  };
}

/** Splits `… --slurm sbatch-options…`; `--detach` may stand on either side. */
export function splitSlurmArgs(argv: string[]): { own: string[]; sbatch: string[]; detach: boolean } {
  const i = argv.indexOf('--slurm');
  const own = i < 0 ? argv : argv.slice(0, i);
  const sbatch = i < 0 ? [] : argv.slice(i + 1);
  const detach = own.includes('--detach') || sbatch.includes('--detach');
  const bad = sbatch.find((a) => !a.startsWith('-') && !sbatch[sbatch.indexOf(a) - 1]?.startsWith('-'));
  if (bad !== undefined) throw new UsageError(`'${bad}' after --slurm is not an sbatch option: the experiment file and the command's own options go before --slurm`);
  return { own: own.filter((a) => a !== '--detach'), sbatch: sbatch.filter((a) => a !== '--detach'), detach };
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function trainerCall(exp: Experiment, runsDir: string, o: SlurmOptions, extra: { engine?: string; epochs?: number; noCache?: boolean; allowUnknownKeys?: boolean }): TrainerCall {
  return {
    node: o.node ?? 'node',
    trainer: o.trainer ?? path.resolve(process.argv[1]),
    experiment: exp.file,
    runsDir,
    ...(extra.engine ? { engine: extra.engine } : {}),
    ...(extra.epochs ? { epochs: extra.epochs } : {}),
    ...(extra.noCache ? { noCache: true } : {}),
    ...(extra.allowUnknownKeys ? { allowUnknownKeys: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------- follow

interface Followed {
  name: string;
  dir: string;
  jobId: string;
  tail: OutputTail;
  info?: JobInfo;
  /** When a stop-type end state (cancelled, time limit) was first seen while run.json still said
   *  running: the trainer gets time to write its checkpoint and record. */
  endSeenAt?: number;
  outcome?: RunOutcome;
  record?: RunRecord;
  sawEnd: boolean;
}

interface FollowHooks {
  event(run: Followed, e: ProgressEvent): void;
  state(run: Followed, info: JobInfo): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  ended(run: Followed): void;
}

const GRACEFUL_ENDS = new Set(['CANCELLED', 'TIMEOUT', 'PREEMPTED', 'DEADLINE']);
/** How long a stopped job's trainer gets to record its end (Slurm's KillWait is 30 s by default). */
const RECORD_GRACE_MS = 45_000;

function followed(name: string, runsDir: string, jobId: string): Followed {
  const dir = path.join(runsDir, name);
  return { name, dir, jobId, tail: new OutputTail(jobOutputFile(dir, jobId)), sawEnd: false };
}

function forwardLines(run: Followed, lines: string[], hooks: FollowHooks): void {
  for (const line of lines) {
    const e = parseProgressLine(line);
    if (e) {
      if (e.type === 'end') run.sawEnd = true;
      hooks.event(run, e);
    } else hooks.event(run, { type: 'log', run: run.name, level: 'warn', message: line });
  }
}

/** Follows jobs until each has ended, then writes each run's final run.json. */
async function followJobs(client: SlurmClient, runs: Followed[], hooks: FollowHooks, stop: { requested: boolean; cancelled: boolean }): Promise<void> {
  const backoff = new Backoff(1_000, 10_000);
  let nextPoll = 0;
  let unreachable = false;
  const open = () => runs.filter((r) => !r.outcome);
  while (open().length > 0) {
    for (const r of open()) forwardLines(r, await r.tail.read(), hooks);
    if (stop.requested && !stop.cancelled) {
      stop.cancelled = true;
      for (const r of open()) {
        hooks.log('warn', `cancelling job ${r.jobId} (run ${r.name}): its trainer saves weights/last and records stopped`);
        await client.cancel(r.jobId).catch((e: Error) => hooks.log('error', e.message));
      }
      nextPoll = 0;
    }
    if (Date.now() >= nextPoll) {
      let changed = false;
      try {
        const now = open();
        const infos = await client.states(now.map((r) => r.jobId));
        if (unreachable) hooks.log('info', 'the Slurm controller answers again');
        unreachable = false;
        for (const r of now) {
          const info = infos.get(r.jobId);
          if (info && (info.state !== r.info?.state || info.reason !== r.info?.reason || info.node !== r.info?.node)) {
            changed = true;
            r.info = info;
            hooks.state(r, info);
          }
          if (info && !isTerminalState(info.state)) continue;
          const record = await readRunRecord(r.dir).catch(() => undefined);
          if (info && GRACEFUL_ENDS.has(info.state) && record?.status === 'running') {
            r.endSeenAt ??= Date.now();
            if (Date.now() - r.endSeenAt < RECORD_GRACE_MS) {
              changed = true; // look again soon
              continue;
            }
          }
          await finish(r, info, record, stop.cancelled, hooks);
          changed = true;
        }
      } catch (e) {
        if (!(e instanceof SlurmError) || e.kind !== 'unreachable') throw e;
        if (!unreachable) hooks.log('warn', `${e.message} Retrying with back-off; the jobs are not affected.`);
        unreachable = true;
      }
      nextPoll = Date.now() + backoff.next(changed);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function finish(r: Followed, info: JobInfo | undefined, record: RunRecord | undefined, stopRequested: boolean, hooks: FollowHooks): Promise<void> {
  forwardLines(r, [...(await r.tail.read()), ...r.tail.flush()], hooks);
  const rec = record ?? (await readRunRecord(r.dir).catch(() => undefined));
  const outputFile = jobOutputFile(r.dir, r.jobId);
  if (!rec) {
    r.outcome = { status: 'failed', message: `${path.join(r.dir, 'run.json')} is missing: the run folder was removed while job ${r.jobId} ${info ? info.state.toLowerCase() : 'ran'}` };
    hooks.ended(r);
    return;
  }
  const outcome = jobOutcome({ jobId: r.jobId, info, record: rec, stopRequested, outputFile, outputTail: await lastLines(outputFile) });
  r.record = finalRecord(rec, r.jobId, info, outcome);
  r.outcome = outcome;
  await writeRunRecord(r.dir, r.record);
  hooks.ended(r);
}

function onSignals(stop: { requested: boolean; cancelled: boolean }, log: (m: string) => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      stop.requested = true;
      log(`${sig} received: cancelling the job(s); press Ctrl+C again to stop following (the jobs still end)`);
    } else process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

// ----------------------------------------------------------------------------------------- train

export async function trainOnSlurm(argv: string[]): Promise<number> {
  const { own, sbatch, detach } = splitSlurmArgs(argv);
  const a = parseArgs(own, { values: ['name', 'freeze', 'engine', 'runs-dir', 'epochs', 'sweep'], switches: ['resume', 'json', 'no-cache', ALLOW_UNKNOWN_KEYS] }, 'train');
  if (a.positionals.length !== 1) throw new UsageError(`'train' needs exactly one experiment file, got ${a.positionals.length}`);
  const exp = await loadExperiment(a.positionals[0]);
  const allowUnknownKeys = a.switches.has(ALLOW_UNKNOWN_KEYS);
  refuseUnknownKeys(exp, allowUnknownKeys);
  const options = mergeSlurmOptions(experimentSlurmOptions(exp), { extraArgs: sbatch });
  const runsDir = path.resolve(a.values.get('runs-dir') ?? path.join(path.dirname(exp.file), 'runs'));
  const resume = a.switches.has('resume');
  let freeze: FreezeSpec = exp.freeze;
  if (a.values.has('freeze')) {
    try {
      freeze = parseFreezeArg(a.values.get('freeze')!);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  let name = a.values.get('name');
  if (resume) {
    name ??= latestRunOf(runsDir, exp.file);
    if (!name) throw new UsageError(`nothing to resume: no run of ${exp.file} in ${runsDir}`);
    const prev = await readRunRecord(path.join(runsDir, name));
    if (!prev) throw new UsageError(`nothing to resume: ${path.join(runsDir, name, 'run.json')} does not exist`);
    if (prev.status === 'running' || prev.status === 'queued') throw new UsageError(`run ${name} is ${prev.status}${prev.executor?.kind === 'slurm' ? ` (job ${prev.executor.jobId})` : ''}: stop it before resuming`);
    freeze = prev.freeze;
  } else {
    name ??= uniqueRunName(runsDir, defaultRunName(exp.file, exp.name));
    if (existsSync(path.join(runsDir, name))) {
      throw new UsageError(`run folder ${path.join(runsDir, name)} already exists: pick another --name, or add --resume to continue that run`);
    }
  }
  const reporter = makeReporter(a.switches.has('json'));
  const log = (level: 'info' | 'warn' | 'error', message: string) => reporter.event({ type: 'log', run: name!, level, message });
  for (const w of warningLines(exp)) log('warn', w);
  const client = new SlurmClient({ env: submissionEnv() });
  const epochs = a.values.has('epochs') ? positiveInt(a.values.get('epochs')!, '--epochs') : undefined;
  const call = trainerCall(exp, runsDir, options, { engine: a.values.get('engine'), epochs, noCache: a.switches.has('no-cache'), allowUnknownKeys });
  try {
    let submitted;
    try {
      submitted = await submitRuns(client, {
        call, options, jobName: name, experiment: exp.file, freezes: [freeze],
        runs: [{ name, freeze: freezeArg(freeze), ...(a.values.has('sweep') ? { sweep: a.values.get('sweep') } : {}), resume }],
      });
    } catch (e) {
      if (!(e instanceof SlurmError)) throw e;
      log('error', e.message);
      reporter.event({ type: 'end', run: name, status: 'failed', error: e.message });
      return 1;
    }
    log('info', `job ${submitted.jobId} submitted (${describeSlurmOptions(options)}): run ${name} in ${path.join(runsDir, name)}, output in ${jobOutputFile(path.join(runsDir, name), submitted.jobId)}`);
    if (detach) return 0;
    const stop = { requested: false, cancelled: false };
    const off = onSignals(stop, (m) => log('warn', m));
    const run = followed(name, runsDir, submitted.jobId);
    try {
      await followJobs(client, [run], {
        event: (_r, e) => reporter.event(e),
        state: (r, info) => log('info', `job ${r.jobId}: ${describeJobState(info.state, info.reason, info.node)}`),
        log,
        ended: (r) => {
          const o = r.outcome!;
          if (o.message) log(o.status === 'failed' ? 'error' : 'warn', o.message);
          if (!r.sawEnd || o.message) reporter.event({ type: 'end', run: r.name, status: o.status, ...(o.message ? { error: o.message } : {}) });
        },
      }, stop);
    } finally {
      off();
    }
    const o = run.outcome!;
    return o.status === 'finished' || (o.status === 'stopped' && stop.requested) ? 0 : 1;
  } finally {
    reporter.close();
  }
}

// ----------------------------------------------------------------------------------------- sweep

export async function sweepOnSlurm(argv: string[]): Promise<number> {
  const { own, sbatch, detach } = splitSlurmArgs(argv);
  const { values: freezeValues, rest } = takeRepeated(own, 'freeze');
  const a = parseArgs(rest, { values: ['engine', 'runs-dir', 'epochs', 'name'], switches: ['json', 'no-cache', ALLOW_UNKNOWN_KEYS] }, 'sweep');
  if (a.positionals.length !== 1) throw new UsageError(`'sweep' needs exactly one experiment file, got ${a.positionals.length}`);
  const allowUnknownKeys = a.switches.has(ALLOW_UNKNOWN_KEYS);
  const custom = freezeValues.map((v) => {
    try {
      return parseFreezeArg(v);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
  const exp = await loadExperiment(a.positionals[0]);
  refuseUnknownKeys(exp, allowUnknownKeys);
  const { summary: model, diagnostics } = await loadExperimentModel(exp);
  if (!model) throw new Error(formatDiagnostics(diagnostics.filter((d) => d.severity === 'error')));
  const plan: SweepRunPlan[] = planFreezes(model, custom).map((p) => ({ run: '', freeze: p.freeze, label: p.label }));
  const runsDir = path.resolve(a.values.get('runs-dir') ?? path.join(path.dirname(exp.file), 'runs'));
  const existing = listNames(runsDir);
  let sweep = a.values.get('name');
  if (sweep !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sweep) || sweep.length > 80) throw new UsageError(`--name '${sweep}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
    const taken = plan.map((p) => sweepRunName(sweep!, p.freeze)).filter((n) => existing.includes(n));
    if (taken.length) throw new UsageError(`${taken.map((n) => path.join(runsDir, n)).join(', ')} already exist${taken.length === 1 ? 's' : ''}: pick another --name`);
  } else {
    sweep = sweepName(new Date(), (s) => existing.some((n) => n === s || n.startsWith(`${s}-`)));
  }
  for (const p of plan) p.run = sweepRunName(sweep, p.freeze);

  const options = mergeSlurmOptions(experimentSlurmOptions(exp), { extraArgs: sbatch });
  const epochs = a.values.has('epochs') ? positiveInt(a.values.get('epochs')!, '--epochs') : undefined;
  const progress: SweepProgress = process.stderr.isTTY ? new TtySweepProgress(process.stderr) : new JsonLinesSweepProgress(process.stderr);
  for (const w of warningLines(exp)) progress.log('warn', w);
  const client = new SlurmClient({ env: submissionEnv() });
  const runs: Followed[] = [];
  let failedEarly: string | undefined;
  try {
    // Pretraining first when the weights it makes are missing: its job, and the array after it.
    let after: string | undefined;
    let pre: Followed | undefined;
    if (exp.weights && !weightsExist(exp.weights)) {
      const target = pretrainRunFor(exp.weights);
      if (!exp.pretrain || !target) {
        throw new Error(`${exp.file}: weights ${exp.weights} do not exist${exp.pretrain ? ', and pretraining cannot make them there (a run writes runs/<name>/weights/best)' : ', and the experiment has no pretrain: naming the experiment that makes them'}`);
      }
      const preExp = await loadExperiment(exp.pretrain);
      const prev = await readRunRecord(path.join(target.runsDir, target.name)).catch(() => undefined);
      if (prev && prev.status !== 'stopped' && prev.status !== 'failed') {
        throw new Error(`weights ${exp.weights} do not exist, and the pretraining run ${path.join(target.runsDir, target.name)} is ${prev.status}; wait for it or delete it`);
      }
      const preOptions = mergeSlurmOptions(experimentSlurmOptions(preExp), { extraArgs: sbatch });
      const s = await submitRuns(client, {
        call: trainerCall(preExp, target.runsDir, preOptions, { engine: a.values.get('engine'), allowUnknownKeys }), options: preOptions, jobName: target.name,
        experiment: preExp.file, freezes: [preExp.freeze], runs: [{ name: target.name, ...(prev ? { resume: true } : {}) }],
      });
      after = s.jobId;
      pre = followed(target.name, target.runsDir, s.jobId);
      progress.log('info', `pretrained weights ${exp.weights} do not exist yet: pretraining run ${target.name} is job ${s.jobId}; the sweep's job array starts after it completes`);
    }
    const submitted = await submitRuns(client, {
      call: trainerCall(exp, runsDir, options, { engine: a.values.get('engine'), epochs, noCache: a.switches.has('no-cache'), allowUnknownKeys }),
      options, jobName: sweep, experiment: exp.file, freezes: plan.map((p) => p.freeze), ...(after ? { after } : {}),
      runs: plan.map((p) => ({ name: p.run, freeze: freezeArg(p.freeze), sweep })),
    });
    progress.sweep({ type: 'sweep-start', sweep, experiment: exp.file, runsDir, runs: plan, ...(pre ? { pretrain: { run: pre.name, experiment: exp.pretrain!, runsDir: path.dirname(pre.dir), resume: false } } : {}) });
    progress.log('info', `freeze sweep ${sweep}: job array ${submitted.jobId} with ${plan.length} tasks (${describeSlurmOptions(options)})`);
    if (detach) {
      progress.sweep({ type: 'sweep-end', sweep, status: 'finished' });
      return 0;
    }
    if (pre) runs.push(pre);
    runs.push(...plan.map((p, i) => followed(p.run, runsDir, submitted.jobIds[i])));
  } catch (e) {
    if (!(e instanceof SlurmError)) throw e;
    failedEarly = e.message;
  }
  if (failedEarly) {
    progress.log('error', failedEarly);
    progress.sweep({ type: 'sweep-end', sweep, status: 'failed' });
    progress.close();
    return 1;
  }

  const stop = { requested: false, cancelled: false };
  const off = onSignals(stop, (m) => progress.log('warn', m));
  let index = 0;
  const announced = new Set<string>();
  // Every run is announced once, when it is first seen started: a poll may see it RUNNING, or a
  // short job may already be over (or have sent its first event) before the next poll.
  const announce = (r: { name: string }): void => {
    if (announced.has(r.name)) return;
    announced.add(r.name);
    const p = plan.find((x) => x.run === r.name);
    progress.sweep({ type: 'sweep-run', sweep: sweep!, run: r.name, role: p ? 'sweep' : 'pretrain', index: ++index, of: runs.length, freeze: p?.freeze ?? 0 });
  };
  try {
    await followJobs(client, runs, {
      event: (r, e) => {
        announce(r);
        progress.run(e);
      },
      state: (r, info) => {
        if (info.state !== 'PENDING') announce(r);
        progress.log('info', `job ${r.jobId} (${r.name}): ${describeJobState(info.state, info.reason, info.node)}`);
      },
      log: (level, m) => progress.log(level, m),
      ended: (r) => {
        const o = r.outcome!;
        if (o.message) progress.log(o.status === 'failed' ? 'error' : 'warn', `${r.name}: ${o.message}`);
        if (!r.sawEnd || o.message) progress.run({ type: 'end', run: r.name, status: o.status, ...(o.message ? { error: o.message } : {}) });
      },
    }, stop);
  } finally {
    off();
  }
  const inputs: SweepRunInput[] = [];
  for (const p of plan) {
    const r = runs.find((x) => x.name === p.run)!;
    if (r.record) inputs.push({ record: r.record, metrics: readMetricsFile(path.join(r.dir, 'metrics.jsonl')), label: p.label });
  }
  const sweepRuns = runs.filter((r) => plan.some((p) => p.run === r.name));
  const status = stop.requested ? 'stopped' : sweepRuns.every((r) => r.outcome?.status === 'finished') ? 'finished' : 'failed';
  progress.sweep({ type: 'sweep-end', sweep, status });
  progress.close();
  const table = buildSweepTable({ sweep, experiment: exp.file, status, runs: inputs });
  process.stdout.write(a.switches.has('json') ? `${JSON.stringify(table)}\n` : `${formatSweepTable(table)}\n`);
  return status === 'finished' || (status === 'stopped' && stop.requested) ? 0 : 1;
}
