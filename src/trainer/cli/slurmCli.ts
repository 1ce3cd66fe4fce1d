// `transfer-lab train|sweep … --slurm [sbatch options…]`: the same run or freeze sweep, submitted to
// Slurm instead of trained here. Everything after `--slurm` goes to sbatch as it is (after what the
// experiment's `slurm:` section asks for, so it wins). One run is one job, a sweep one job array
// (after its pretraining job when the weights are missing). The command then follows the jobs as
// the editor does — their output file's progress events, the scheduler's state with back-off — and
// ends with the runs: exit 0 when every run finished (or stopped because you asked), else 1.
// Ctrl+C (SIGINT/SIGTERM) cancels the jobs with scancel: the trainers checkpoint and record
// `stopped`. `--detach` submits and exits; the editor or a later look at run.json follows them.
// The sweep is in slurmSweep.ts, the following in slurmFollow.ts.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseFreezeArg } from './modulesTable';
import { loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import type { Experiment, FreezeSpec } from '../../shared/experiment/types';
import { SlurmClient, SlurmError, submissionEnv } from '../../shared/slurm/client';
import { jobOutputFile, type TrainerCall } from '../../shared/slurm/jobScript';
import { describeJobState } from '../../shared/slurm/jobState';
import { describeSlurmOptions, mergeSlurmOptions, type SlurmOptions } from '../../shared/slurm/options';
import { experimentSlurmOptions } from '../../shared/slurm/section';
import { submitRuns } from '../../shared/slurm/submitRuns';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { defaultRunName, latestRunOf, uniqueRunName } from '../run/runFolder';
import { parseArgs, positiveInt, UsageError } from './args';
import type { Command } from './command';
import { makeReporter } from './progress';
import { followed, followJobs, onSignals } from './slurmFollow';
import { readRunRecord } from '../../shared/runFolder/readRecord';

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
  if (bad !== undefined)
    throw new UsageError(
      `'${bad}' after --slurm is not an sbatch option: the experiment file and the command's own options go before --slurm`,
    );
  return { own: own.filter((a) => a !== '--detach'), sbatch: sbatch.filter((a) => a !== '--detach'), detach };
}

export function trainerCall(
  exp: Experiment,
  runsDir: string,
  o: SlurmOptions,
  extra: { engine?: string; epochs?: number; noCache?: boolean; allowUnknownKeys?: boolean },
): TrainerCall {
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

// ----------------------------------------------------------------------------------------- train

export async function trainOnSlurm(argv: string[]): Promise<number> {
  const { own, sbatch, detach } = splitSlurmArgs(argv);
  const a = parseArgs(
    own,
    { values: ['name', 'freeze', 'engine', 'runs-dir', 'epochs', 'sweep'], switches: ['resume', 'json', 'no-cache', ALLOW_UNKNOWN_KEYS] },
    'train',
  );
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
    if (prev.status === 'running' || prev.status === 'queued')
      throw new UsageError(
        `run ${name} is ${prev.status}${prev.executor?.kind === 'slurm' ? ` (job ${prev.executor.jobId})` : ''}: stop it before resuming`,
      );
    freeze = prev.freeze;
  } else {
    name ??= uniqueRunName(runsDir, defaultRunName(exp.file, exp.name));
    if (existsSync(path.join(runsDir, name))) {
      throw new UsageError(
        `run folder ${path.join(runsDir, name)} already exists: pick another --name, or add --resume to continue that run`,
      );
    }
  }
  const reporter = makeReporter(a.switches.has('json'));
  const log = (level: 'info' | 'warn' | 'error', message: string) => reporter.event({ type: 'log', run: name!, level, message });
  for (const w of warningLines(exp)) log('warn', w);
  const client = new SlurmClient({ env: submissionEnv() });
  const epochs = a.values.has('epochs') ? positiveInt(a.values.get('epochs')!, '--epochs') : undefined;
  const call = trainerCall(exp, runsDir, options, {
    engine: a.values.get('engine'),
    epochs,
    noCache: a.switches.has('no-cache'),
    allowUnknownKeys,
  });
  try {
    let submitted;
    try {
      submitted = await submitRuns(client, {
        call,
        options,
        jobName: name,
        experiment: exp.file,
        freezes: [freeze],
        runs: [{ name, freeze: freezeArg(freeze), ...(a.values.has('sweep') ? { sweep: a.values.get('sweep') } : {}), resume }],
      });
    } catch (e) {
      if (!(e instanceof SlurmError)) throw e;
      log('error', e.message);
      reporter.event({ type: 'end', run: name, status: 'failed', error: e.message });
      return 1;
    }
    log(
      'info',
      `job ${submitted.jobId} submitted (${describeSlurmOptions(options)}): run ${name} in ${path.join(runsDir, name)}, output in ${jobOutputFile(path.join(runsDir, name), submitted.jobId)}`,
    );
    if (detach) return 0;
    const stop = { requested: false, cancelled: false };
    const off = onSignals(stop, (m) => log('warn', m));
    const run = followed(name, runsDir, submitted.jobId);
    try {
      await followJobs(
        client,
        [run],
        {
          event: (_r, e) => reporter.event(e),
          state: (r, info) => log('info', `job ${r.jobId}: ${describeJobState(info.state, info.reason, info.node)}`),
          log,
          ended: (r) => {
            const o = r.outcome!;
            if (o.message) log(o.status === 'failed' ? 'error' : 'warn', o.message);
            if (!r.sawEnd || o.message)
              reporter.event({ type: 'end', run: r.name, status: o.status, ...(o.message ? { error: o.message } : {}) });
          },
        },
        stop,
      );
    } finally {
      off();
    }
    const o = run.outcome!;
    return o.status === 'finished' || (o.status === 'stopped' && stop.requested) ? 0 : 1;
  } finally {
    reporter.close();
  }
}
