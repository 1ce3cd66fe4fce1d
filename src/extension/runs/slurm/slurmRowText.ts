// What a row adds for a run that executes as a Slurm job: the job id and the scheduler's view of it
// (`slurm 12 pending (Priority)`, `slurm 12_3 running on node07`, `slurm 12 timeout`). Pure.
import type { RunRecord } from '../../../shared/runFolder/contract';
import { describeJobState } from '../../../shared/slurm/jobState';

/** The row's note while the controller does not answer. */
export const UNREACHABLE_REASON = 'controller unreachable, retrying';

export function slurmRowText(record: RunRecord): string | undefined {
  const ex = record.executor;
  if (ex?.kind !== 'slurm') return undefined;
  if (!ex.jobId) return 'slurm: submitting';
  const state = ex.state ? describeJobState(ex.state, ex.reason, ex.node) : 'submitted';
  const unreachable = ex.reason === UNREACHABLE_REASON && !state.includes(UNREACHABLE_REASON) ? ` (${UNREACHABLE_REASON})` : '';
  return `slurm ${ex.jobId} ${state}${unreachable}`;
}
