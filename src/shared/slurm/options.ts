// Where runs execute and, for Slurm, what a job asks for. The same options come from three places,
// later ones winning field by field: the `transferLab.slurm.*` settings, the experiment file's
// `slurm:` section, and `transfer-lab train|sweep … --slurm [sbatch options]` on the command line.
// Pure: no vscode, no process state.

export type ExecutorKind = 'local' | 'slurm';

export interface SlurmOptions {
  /** `--partition`. */
  partition?: string;
  /** GPUs per run: `--gres=gpu:N` (`gpu:TYPE:N` with `gpuType`). 0: none asked for. */
  gpus?: number;
  gpuType?: string;
  /** `--cpus-per-task`. */
  cpus?: number;
  /** `--mem`, e.g. `16G`. */
  memory?: string;
  /** `--time`, e.g. `2:00:00`, `1-00:00:00`, `90` (minutes). */
  time?: string;
  account?: string;
  qos?: string;
  /** Further sbatch options, verbatim (`--constraint=a100`, `--exclusive`…). */
  extraArgs?: string[];
  /** Shell line run in the job before the trainer (`module load nodejs/20`, `source env.sh`). */
  setup?: string;
  /** Node.js on the cluster's nodes (default `node` on the job's PATH). */
  node?: string;
  /** The trainer script as the nodes see it (default: this installation's dist/trainer.js, which
   *  nodes reach when the extension folder is on the shared file system). */
  trainer?: string;
}

export const SLURM_OPTION_KEYS = [
  'partition',
  'gpus',
  'gpuType',
  'cpus',
  'memory',
  'time',
  'account',
  'qos',
  'extraArgs',
  'setup',
  'node',
  'trainer',
] as const;

/** Later sources win field by field; `extraArgs` add up (settings first). Empty strings and
 *  empty lists count as "not set". */
export function mergeSlurmOptions(...sources: Array<SlurmOptions | undefined>): SlurmOptions {
  const out: SlurmOptions = {};
  const extra: string[] = [];
  for (const s of sources) {
    if (!s) continue;
    for (const key of SLURM_OPTION_KEYS) {
      if (key === 'extraArgs') continue;
      const v = s[key];
      if (v === undefined || v === '') continue;
      (out as Record<string, unknown>)[key] = v;
    }
    if (s.extraArgs) extra.push(...s.extraArgs.filter((a) => a.length > 0));
  }
  if (extra.length) out.extraArgs = extra;
  return out;
}

/** `--time` values Slurm accepts: minutes, min:sec, h:m:s, d-h, d-h:m, d-h:m:s, or unlimited. */
export function isSlurmTime(v: string): boolean {
  return /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/i.test(v.trim());
}

/** `--mem` values: a number with an optional K/M/G/T suffix (megabytes without one). */
export function isSlurmMemory(v: string): boolean {
  return /^\d+[KMGT]?B?$/i.test(v.trim());
}

/** A name for partition, account, QoS, GPU type: no blanks, no shell or option syntax. */
export function isSlurmName(v: string): boolean {
  return /^[A-Za-z0-9_.,:+-]+$/.test(v) && !v.startsWith('-');
}

/** The sbatch options for what a run asks for (not the job name, script or output paths). */
export function resourceArgs(o: SlurmOptions): string[] {
  const args: string[] = [];
  if (o.partition) args.push(`--partition=${o.partition}`);
  if (o.gpus && o.gpus > 0) args.push(`--gres=gpu:${o.gpuType ? `${o.gpuType}:` : ''}${o.gpus}`);
  if (o.cpus && o.cpus > 0) args.push(`--cpus-per-task=${o.cpus}`);
  if (o.memory) args.push(`--mem=${o.memory}`);
  if (o.time) args.push(`--time=${o.time}`);
  if (o.account) args.push(`--account=${o.account}`);
  if (o.qos) args.push(`--qos=${o.qos}`);
  return args;
}

/** A one-line summary for logs and notifications: `partition gpu, 1 GPU, 4 CPUs, 16G, 2:00:00`. */
export function describeSlurmOptions(o: SlurmOptions): string {
  const parts: string[] = [];
  parts.push(o.partition ? `partition ${o.partition}` : 'default partition');
  if (o.gpus) parts.push(`${o.gpus}${o.gpuType ? ` ${o.gpuType}` : ''} GPU${o.gpus === 1 ? '' : 's'}`);
  if (o.cpus) parts.push(`${o.cpus} CPU${o.cpus === 1 ? '' : 's'}`);
  if (o.memory) parts.push(`memory ${o.memory}`);
  if (o.time) parts.push(`time limit ${o.time}`);
  if (o.account) parts.push(`account ${o.account}`);
  if (o.qos) parts.push(`QoS ${o.qos}`);
  if (o.extraArgs?.length) parts.push(o.extraArgs.join(' '));
  return parts.join(', ');
}
