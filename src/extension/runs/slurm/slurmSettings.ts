// Where a run executes, as the editor decides it: the experiment file's `executor:` when it has
// one, else the `transferLab.executor` setting; for Slurm, the `transferLab.slurm.*` settings with
// the experiment's `slurm:` section on top, field by field.
import * as vscode from 'vscode';
import { loadExperiment } from '../../../shared/experiment/parse';
import { isSlurmMemory, isSlurmName, isSlurmTime, mergeSlurmOptions, type SlurmOptions } from '../../../shared/slurm/options';
import { experimentExecutor, experimentSlurmOptions } from '../../../shared/slurm/section';

export type ExecutorTarget =
  | { kind: 'local' }
  | {
      kind: 'slurm';
      options: SlurmOptions;
      /** Where the choice came from, for messages: `transfer.experiment.yaml` or the setting. */
      source: string;
    };

/** A setting whose value sbatch would refuse or misread, named so the user can fix it. */
export class SlurmSettingError extends Error {}

/** The `transferLab.slurm.*` settings as SlurmOptions; a bad value throws naming the setting. */
export function readSlurmSettings(scope?: vscode.Uri): SlurmOptions {
  const c = vscode.workspace.getConfiguration('transferLab.slurm', scope);
  const str = (key: string) => (c.get<string>(key, '') ?? '').trim();
  const bad = (key: string, value: unknown, what: string) =>
    new SlurmSettingError(
      `transferLab.slurm.${key} is ${JSON.stringify(value)}: ${what}. Fix it in Settings (or override it in the experiment's slurm: section).`,
    );
  const o: SlurmOptions = {};
  for (const [key, field, what] of [
    ['partition', 'partition', 'a partition name (sinfo lists them)'],
    ['account', 'account', 'an account name'],
    ['qos', 'qos', 'a QoS name'],
    ['gpuType', 'gpuType', 'a GPU type as the cluster names it, e.g. a100'],
  ] as const) {
    const v = str(key);
    if (!v) continue;
    if (!isSlurmName(v)) throw bad(key, v, `expected ${what}`);
    o[field] = v;
  }
  for (const [key, field] of [
    ['gpusPerRun', 'gpus'],
    ['cpusPerRun', 'cpus'],
  ] as const) {
    const v = c.get<number>(key, 0);
    if (v === 0 || v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(key, v, 'expected a whole number ≥ 0');
    o[field] = v;
  }
  const mem = str('memory');
  if (mem) {
    if (!isSlurmMemory(mem)) throw bad('memory', mem, 'expected an amount like 16G or 8000M (sbatch --mem)');
    o.memory = mem;
  }
  const time = str('timeLimit');
  if (time) {
    if (!isSlurmTime(time))
      throw bad('timeLimit', time, 'expected a Slurm time limit like 2:00:00 (h:m:s), 1-00:00:00 (days) or 90 (minutes)');
    o.time = time;
  }
  const extra = c.get<unknown>('extraArgs', []);
  if (extra !== undefined && extra !== null) {
    if (!Array.isArray(extra) || !extra.every((a) => typeof a === 'string'))
      throw bad('extraArgs', extra, 'expected a list of sbatch options');
    const wrong = (extra as string[]).find((a) => a.trim() && !a.trim().startsWith('-'));
    if (wrong !== undefined)
      throw bad('extraArgs', extra, `"${wrong}" is not an sbatch option (each entry is one option, like --constraint=a100)`);
    const args = (extra as string[]).map((a) => a.trim()).filter((a) => a);
    if (args.length) o.extraArgs = args;
  }
  const setup = c.get<string>('setup', '') ?? '';
  if (setup.trim()) o.setup = setup;
  const node = str('node');
  if (node) o.node = node;
  const trainer = str('trainerPath');
  if (trainer) o.trainer = trainer;
  return o;
}

/** Where runs of this experiment execute now. Throws ExperimentError / SlurmSettingError. */
export async function executorFor(experimentFile: string, scope?: vscode.Uri): Promise<ExecutorTarget> {
  const exp = await loadExperiment(experimentFile);
  const own = experimentExecutor(exp);
  const setting = vscode.workspace.getConfiguration('transferLab', scope).get<string>('executor', 'local');
  const kind = own ?? (setting === 'slurm' ? 'slurm' : 'local');
  if (kind === 'local') return { kind: 'local' };
  return {
    kind: 'slurm',
    options: mergeSlurmOptions(readSlurmSettings(scope), experimentSlurmOptions(exp)),
    source: own ? `${vscode.workspace.asRelativePath(exp.file)} (executor: slurm)` : 'the transferLab.executor setting',
  };
}
