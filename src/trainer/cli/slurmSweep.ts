// `transfer-lab sweep … --slurm`: the freeze sweep as one job array (after its pretraining job when
// the weights it starts from are missing), followed to the end like `train … --slurm`
// (slurmCli.ts), then the sweep's table on stdout.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseFreezeArg } from './modulesTable';
import { formatDiagnostics, loadExperiment } from '../../shared/experiment/parse';
import { ALLOW_UNKNOWN_KEYS, refuseUnknownKeys, warningLines } from '../../shared/experiment/unknownKeys';
import { loadExperimentModel } from '../../shared/model/experimentModel';
import { readMetricsFile } from '../run/metricsFile';
import { SlurmClient, SlurmError, submissionEnv } from '../../shared/slurm/client';
import { describeJobState } from '../../shared/slurm/jobState';
import { describeSlurmOptions, mergeSlurmOptions } from '../../shared/slurm/options';
import { experimentSlurmOptions } from '../../shared/slurm/section';
import { submitRuns } from '../../shared/slurm/submitRuns';
import { pretrainRunFor, weightsExist } from '../sweep/pretrainRun';
import type { SweepRunPlan } from '../sweep/events';
import { buildSweepTable, type SweepRunInput } from '../sweep/sweepTable';
import { formatSweepTable } from '../sweep/sweepTableText';
import { sweepName, sweepRunName } from '../../shared/runs/runNames';
import { freezeArg } from '../../shared/runs/sweepPlan';
import { parseArgs, positiveInt, UsageError } from './args';
import { planFreezes, withFineTune } from './planFreezes';
import { followed, followJobs, onSignals, type Followed } from './slurmFollow';
import { splitSlurmArgs, trainerCall } from './slurmCli';
import { takeRepeated } from './repeatedOption';
import { JsonLinesSweepProgress, TtySweepProgress, type SweepProgress } from './sweepProgress';
import { readRunRecord } from '../../shared/runFolder/readRecord';

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function sweepOnSlurm(argv: string[]): Promise<number> {
  const { own, sbatch, detach } = splitSlurmArgs(argv);
  const { values: freezeValues, rest } = takeRepeated(own, 'freeze');
  const a = parseArgs(
    rest,
    { values: ['engine', 'runs-dir', 'epochs', 'name'], switches: ['json', 'no-cache', 'fine-tune', ALLOW_UNKNOWN_KEYS] },
    'sweep',
  );
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
  const planned = planFreezes(model, custom);
  const plan: SweepRunPlan[] = (a.switches.has('fine-tune') ? withFineTune(model, planned) : planned).map((p) => ({
    run: '',
    freeze: p.freeze,
    label: p.label,
    ...(p.fineTune ? { fineTune: p.fineTune } : {}),
  }));
  const runsDir = path.resolve(a.values.get('runs-dir') ?? path.join(path.dirname(exp.file), 'runs'));
  const existing = listNames(runsDir);
  let sweep = a.values.get('name');
  if (sweep !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(sweep) || sweep.length > 80)
      throw new UsageError(`--name '${sweep}' must start with a letter or digit and contain only letters, digits, '.', '_' and '-'`);
    const taken = plan.map((p) => sweepRunName(sweep!, p.freeze, !!p.fineTune)).filter((n) => existing.includes(n));
    if (taken.length)
      throw new UsageError(
        `${taken.map((n) => path.join(runsDir, n)).join(', ')} already exist${taken.length === 1 ? 's' : ''}: pick another --name`,
      );
  } else {
    sweep = sweepName(new Date(), (s) => existing.some((n) => n === s || n.startsWith(`${s}-`)));
  }
  for (const p of plan) p.run = sweepRunName(sweep, p.freeze, !!p.fineTune);

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
        throw new Error(
          `${exp.file}: weights ${exp.weights} do not exist${exp.pretrain ? ', and pretraining cannot make them there (a run writes runs/<name>/weights/best)' : ', and the experiment has no pretrain: naming the experiment that makes them'}`,
        );
      }
      const preExp = await loadExperiment(exp.pretrain);
      const prev = await readRunRecord(path.join(target.runsDir, target.name)).catch(() => undefined);
      if (prev && prev.status !== 'stopped' && prev.status !== 'failed') {
        throw new Error(
          `weights ${exp.weights} do not exist, and the pretraining run ${path.join(target.runsDir, target.name)} is ${prev.status}; wait for it or delete it`,
        );
      }
      const preOptions = mergeSlurmOptions(experimentSlurmOptions(preExp), { extraArgs: sbatch });
      const s = await submitRuns(client, {
        call: trainerCall(preExp, target.runsDir, preOptions, { engine: a.values.get('engine'), allowUnknownKeys }),
        options: preOptions,
        jobName: target.name,
        experiment: preExp.file,
        freezes: [preExp.freeze],
        runs: [{ name: target.name, ...(prev ? { resume: true } : {}) }],
      });
      after = s.jobId;
      pre = followed(target.name, target.runsDir, s.jobId);
      progress.log(
        'info',
        `pretrained weights ${exp.weights} do not exist yet: pretraining run ${target.name} is job ${s.jobId}; the sweep's job array starts after it completes`,
      );
    }
    const submitted = await submitRuns(client, {
      call: trainerCall(exp, runsDir, options, {
        engine: a.values.get('engine'),
        epochs,
        noCache: a.switches.has('no-cache'),
        allowUnknownKeys,
      }),
      options,
      jobName: sweep,
      experiment: exp.file,
      freezes: plan.map((p) => p.freeze),
      ...(after ? { after } : {}),
      runs: plan.map((p) => ({ name: p.run, freeze: freezeArg(p.freeze), sweep, ...(p.fineTune ? { fineTune: true } : {}) })),
    });
    progress.sweep({
      type: 'sweep-start',
      sweep,
      experiment: exp.file,
      runsDir,
      runs: plan,
      ...(pre ? { pretrain: { run: pre.name, experiment: exp.pretrain!, runsDir: path.dirname(pre.dir), resume: false } } : {}),
    });
    progress.log(
      'info',
      `freeze sweep ${sweep}: job array ${submitted.jobId} with ${plan.length} tasks (${describeSlurmOptions(options)})`,
    );
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
    progress.sweep({
      type: 'sweep-run',
      sweep: sweep!,
      run: r.name,
      role: p ? 'sweep' : 'pretrain',
      index: ++index,
      of: runs.length,
      freeze: p?.freeze ?? 0,
    });
  };
  try {
    await followJobs(
      client,
      runs,
      {
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
          if (!r.sawEnd || o.message)
            progress.run({ type: 'end', run: r.name, status: o.status, ...(o.message ? { error: o.message } : {}) });
        },
      },
      stop,
    );
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
