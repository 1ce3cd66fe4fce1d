// What `sbatch` gets for a run or a freeze sweep: its options and the batch script. The script
// `exec`s the trainer, so the job's process is the trainer itself and `scancel`'s SIGTERM (or a
// time limit's) reaches it: it finishes its batch, writes weights/last and records `stopped`.
//
// One run: `--chdir` is the run folder and the job's output goes to `slurm-<jobid>.out` in it.
// A sweep: one job array; task i trains run i. sbatch has one working directory and output pattern
// for all tasks, so each task changes into its own run folder and sends its output to
// `slurm-<arrayjob>_<task>.out` there, the same name as the task's job id `<arrayjob>_<task>`.
// Pure: unit-tested.
import * as path from 'node:path';
import { SLURM_MARKER_ENV } from './jobEnv';
import { resourceArgs, type SlurmOptions } from './options';

export interface TrainerCall {
  /** Node.js on the cluster's nodes. */
  node: string;
  /** dist/trainer.js as the nodes see it. */
  trainer: string;
  experiment: string;
  runsDir: string;
  engine?: string;
  epochs?: number;
  noCache?: boolean;
  /** `--allow-unknown-keys`: whoever submitted the job checked the experiment's unknown keys. */
  allowUnknownKeys?: boolean;
}

export interface JobRun {
  name: string;
  /** The `--freeze` argument as the CLI takes it (`10`, `[0,3]`). */
  freeze?: string;
  sweep?: string;
  resume?: boolean;
  /** `--fine-tune`: a sweep's fine_tune run (shared/runs/fineTune.ts). */
  fineTune?: boolean;
}

export interface JobSpec {
  call: TrainerCall;
  /** One run: a plain job; several: a job array, task i = runs[i]. */
  runs: JobRun[];
  options: SlurmOptions;
  jobName: string;
  /** A job that must complete successfully first (the pretraining run): `--dependency=afterok:`. */
  after?: string;
}

export interface Submission {
  /** sbatch's arguments; the script goes to its stdin. */
  args: string[];
  script: string;
}

/** POSIX shell single quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The output file of a job (`12`) or array task (`12_3`), in its run folder. */
export function jobOutputFile(runDir: string, jobId: string): string {
  return path.join(runDir, `slurm-${jobId}.out`);
}

export const JOB_SCRIPT_FILE = 'slurm-job.sh';

function trainerArgs(
  call: TrainerCall,
  run: { name: string; freeze?: string; sweep?: string; resume?: boolean; tune?: string },
  quote: (s: string) => string = shellQuote,
): string[] {
  const a = [
    shellQuote(call.node),
    shellQuote(call.trainer),
    'train',
    shellQuote(call.experiment),
    '--name',
    quote(run.name),
    '--json',
    '--runs-dir',
    shellQuote(call.runsDir),
  ];
  if (run.freeze !== undefined) a.push('--freeze', quote(run.freeze));
  if (run.sweep) a.push('--sweep', shellQuote(run.sweep));
  if (call.engine && call.engine !== 'auto') a.push('--engine', shellQuote(call.engine));
  if (call.epochs) a.push('--epochs', String(call.epochs));
  if (call.noCache) a.push('--no-cache');
  if (call.allowUnknownKeys) a.push('--allow-unknown-keys');
  if (run.resume) a.push('--resume');
  if (run.tune) a.push(run.tune);
  return a;
}

export function buildSubmission(spec: JobSpec): Submission {
  if (spec.runs.length === 0) throw new Error('a Slurm submission needs at least one run');
  const { call, options } = spec;
  const args = ['--parsable', `--job-name=${spec.jobName}`];
  const lines = [
    '#!/bin/sh',
    `# Transfer Lab: ${spec.runs.length === 1 ? `run ${spec.runs[0].name}` : `freeze sweep ${spec.runs[0].sweep ?? spec.jobName}, ${spec.runs.length} runs as a job array`} of ${call.experiment}`,
  ];
  if (spec.runs.length === 1) {
    const dir = path.join(call.runsDir, spec.runs[0].name);
    args.push(`--chdir=${dir}`, `--output=${jobOutputFile(dir, '%j')}`);
  } else {
    // Output goes to each task's run folder from inside the script (see the header comment).
    args.push(`--array=0-${spec.runs.length - 1}`, `--chdir=${call.runsDir}`, '--output=/dev/null');
    // `tune` is set (to --fine-tune) only for the fine_tune task, and empty before, never inherited.
    if (spec.runs.some((r) => r.fineTune)) lines.push('tune=');
    lines.push('case "$SLURM_ARRAY_TASK_ID" in');
    spec.runs.forEach((r, i) => {
      lines.push(
        `  ${i}) run=${shellQuote(r.name)}${r.freeze !== undefined ? `; freeze=${shellQuote(r.freeze)}` : ''}${r.fineTune ? '; tune=--fine-tune' : ''} ;;`,
      );
    });
    lines.push('  *) echo "transfer-lab: job array task $SLURM_ARRAY_TASK_ID has no run" >&2; exit 2 ;;', 'esac');
    lines.push(`cd ${shellQuote(call.runsDir)}/"$run" || exit 1`);
    lines.push('exec >>"slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out" 2>&1');
  }
  // A requeued job would start the same run again from scratch; Resume continues it instead.
  args.push('--no-requeue', ...resourceArgs(options));
  if (spec.after) args.push(`--dependency=afterok:${spec.after}`, '--kill-on-invalid-dep=yes');
  // Last, so that they override what came before (sbatch takes the last of a repeated option).
  if (options.extraArgs) args.push(...options.extraArgs);
  if (options.setup?.trim()) lines.push(options.setup.trim());
  // Tells the trainer that it runs as this job (it records the job id in run.json).
  lines.push(`${SLURM_MARKER_ENV}=slurm; export ${SLURM_MARKER_ENV}`);
  if (spec.runs.length === 1) {
    const r = spec.runs[0];
    lines.push(`exec ${trainerArgs(call, { ...r, ...(r.fineTune ? { tune: '--fine-tune' } : {}) }).join(' ')}`);
  } else {
    const r0 = spec.runs[0];
    const anyFreeze = spec.runs.some((r) => r.freeze !== undefined);
    const tune = spec.runs.some((x) => x.fineTune) ? { tune: '$tune' } : {};
    const run = { name: '$run', freeze: anyFreeze ? '$freeze' : undefined, sweep: r0.sweep, resume: r0.resume, ...tune };
    lines.push(`exec ${trainerArgs(call, run, (s) => `"${s}"`).join(' ')}`);
  }
  return { args, script: `${lines.join('\n')}\n` };
}
