// The experiment file's `executor:` and `slurm:` sections: where this experiment's runs execute and
// what their Slurm jobs ask for. In the experiment parser's fixed section list (experiment/sections.ts)
// so that mistakes are shown at their line like any other, and read back from `Experiment.extra`
// once the file has parsed.
//
//   executor: slurm            # or local (default: the transferLab.executor setting)
//   slurm:
//     partition: gpu
//     gpus: 1                  # --gres=gpu:1 per run
//     cpus: 4                  # --cpus-per-task
//     memory: 16G              # --mem
//     time: "2:00:00"          # --time
//     account: my-project
//     qos: normal
//     extraArgs: ["--constraint=a100"]
//     setup: module load nodejs/20
//     node: node
import { closest, show } from '../experiment/describeValue';
import type { ExperimentSection, SectionReporter } from '../experiment/sectionTypes';
import type { Experiment } from '../experiment/types';
import { isSlurmMemory, isSlurmName, isSlurmTime, SLURM_OPTION_KEYS, type ExecutorKind, type SlurmOptions } from './options';

type Obj = Record<string, unknown>;

const QUIET: SectionReporter = { error: () => undefined, warning: () => undefined, resolvePath: (p) => p };

export function readExecutorValue(value: unknown, report: SectionReporter = QUIET): ExecutorKind | undefined {
  if (value === 'local' || value === 'slurm') return value;
  report.error([], `executor must be local (train on this machine) or slurm (submit each run as a Slurm job), got ${show(value)}`);
  return undefined;
}

/** Validates a `slurm:` mapping; returns the options when it has no error. */
export function readSlurmSection(value: unknown, report: SectionReporter = QUIET): SlurmOptions | undefined {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    report.error(
      [],
      `slurm must be a mapping of sbatch settings (partition:, gpus:, cpus:, memory:, time:, account:, qos:, extraArgs:, setup:, node:), got ${show(value)}`,
    );
    return undefined;
  }
  const s = value as Obj;
  const out: SlurmOptions = {};
  let ok = true;
  const fail = (key: string, message: string) => {
    report.error([key], message);
    ok = false;
  };
  const name = (key: 'partition' | 'account' | 'qos' | 'gpuType', what: string) => {
    const v = s[key];
    if (v === undefined) return;
    if (typeof v === 'string' && isSlurmName(v)) out[key] = v;
    else fail(key, `slurm.${key} must be ${what} (letters, digits, '_', '-', '.'), got ${show(v)}`);
  };
  const count = (key: 'gpus' | 'cpus', example: string) => {
    const v = s[key];
    if (v === undefined) return;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1024) out[key] = v;
    else fail(key, `slurm.${key} must be a whole number ≥ 0, ${example}; got ${show(v)}`);
  };
  const text = (key: 'setup' | 'node' | 'trainer', what: string) => {
    const v = s[key];
    if (v === undefined) return;
    if (typeof v === 'string' && v.trim()) out[key] = key === 'setup' ? v : v.trim();
    else fail(key, `slurm.${key} must be ${what}, got ${show(v)}`);
  };

  for (const key of Object.keys(s)) {
    if ((SLURM_OPTION_KEYS as readonly string[]).includes(key)) continue;
    const hint = closest(key, SLURM_OPTION_KEYS);
    report.error(
      [key],
      `unknown key '${key}' in slurm${hint ? `; did you mean '${hint}'?` : ''} (allowed: ${SLURM_OPTION_KEYS.join(', ')}; other sbatch options go in extraArgs)`,
    );
    ok = false;
  }
  name('partition', 'a partition name (sinfo lists them)');
  name('account', 'an account name');
  name('qos', 'a QoS name');
  name('gpuType', 'a GPU type as the cluster names it, e.g. a100');
  count('gpus', 'GPUs per run, e.g. `gpus: 1` (asks for --gres=gpu:1)');
  count('cpus', 'CPUs per run, e.g. `cpus: 4` (--cpus-per-task)');
  if (s.memory !== undefined) {
    const v = typeof s.memory === 'number' ? String(s.memory) : s.memory;
    if (typeof v === 'string' && isSlurmMemory(v)) out.memory = v.trim();
    else fail('memory', `slurm.memory must be an amount like 16G or 8000M (sbatch --mem), got ${show(s.memory)}`);
  }
  if (s.time !== undefined) {
    const v = typeof s.time === 'number' ? String(s.time) : s.time;
    if (typeof v === 'string' && isSlurmTime(v)) out.time = v.trim();
    else
      fail(
        'time',
        `slurm.time must be a Slurm time limit like "2:00:00" (h:m:s), "1-00:00:00" (days) or 90 (minutes); got ${show(s.time)}. Quote h:m:s values.`,
      );
  }
  if (s.extraArgs !== undefined) {
    const v = s.extraArgs;
    if (Array.isArray(v) && v.every((a) => typeof a === 'string')) {
      const bad = v.findIndex((a) => !a.startsWith('-'));
      if (bad >= 0) {
        report.error(
          ['extraArgs', bad],
          `slurm.extraArgs[${bad}] is '${v[bad]}': each entry is one sbatch option starting with - (write --constraint=a100, not two entries)`,
        );
        ok = false;
      } else out.extraArgs = v as string[];
    } else fail('extraArgs', `slurm.extraArgs must be a list of sbatch options, e.g. ["--constraint=a100", "--exclusive"]; got ${show(v)}`);
  }
  text('setup', 'a shell line run before the trainer, e.g. `module load nodejs/20`');
  text('node', 'the Node.js command on the cluster, e.g. node or /opt/node20/bin/node');
  text('trainer', "the path of Transfer Lab's dist/trainer.js as the cluster's nodes see it");
  if (out.gpuType && !out.gpus) report.warning(['gpuType'], 'slurm.gpuType has no effect without `gpus:` (GPUs per run)');
  return ok ? out : undefined;
}

export const EXECUTOR_SECTION: ExperimentSection = { key: 'executor', check: (v, r) => void readExecutorValue(v, r) };
export const SLURM_SECTION: ExperimentSection = { key: 'slurm', check: (v, r) => void readSlurmSection(v, r) };

/** The experiment's own choice of executor, if it makes one. */
export function experimentExecutor(exp: Experiment): ExecutorKind | undefined {
  const v = exp.extra?.executor;
  return v === undefined ? undefined : readExecutorValue(v);
}

/** The experiment's `slurm:` options (already validated by the parse). */
export function experimentSlurmOptions(exp: Experiment): SlurmOptions | undefined {
  const v = exp.extra?.slurm;
  return v === undefined ? undefined : readSlurmSection(v);
}
