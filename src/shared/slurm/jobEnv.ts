// Inside a job that Transfer Lab submitted, the trainer records the job in run.json instead of a
// local process: the extension host (and `transfer-lab … --slurm`) follow such a run by job id,
// since the pid is a process on some compute node. The batch script sets the marker, so a
// `transfer-lab train` typed into an interactive `salloc` shell still counts as a local run.
import type { RunRecord } from '../runFolder/contract';

export const SLURM_MARKER_ENV = 'TRANSFER_LAB_EXECUTOR';

export function slurmExecutorFromEnv(env: NodeJS.ProcessEnv): RunRecord['executor'] | undefined {
  const job = env.SLURM_JOB_ID;
  if (env[SLURM_MARKER_ENV] !== 'slurm' || !job) return undefined;
  const array = env.SLURM_ARRAY_JOB_ID;
  const task = env.SLURM_ARRAY_TASK_ID;
  const jobId = array && task ? `${array}_${task}` : job;
  return { kind: 'slurm', jobId, state: 'RUNNING', ...(env.SLURMD_NODENAME ? { node: env.SLURMD_NODENAME } : {}) };
}
