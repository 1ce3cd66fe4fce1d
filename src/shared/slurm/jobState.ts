// Slurm job states, as the Runs view and the CLI word them, and how a job's end becomes a run's
// outcome. The trainer records its own end in run.json (finished, stopped on SIGTERM, failed with
// its message); the scheduler's final state says why a stop happened (time limit, cancelled by an
// administrator, node failure) and covers ends the trainer could not record. Pure: unit-tested.
import type { RunRecord, RunStatus } from '../runFolder/contract';
import type { JobInfo } from './client';

/** States after which the job's processes are gone (COMPLETING is not one: they are exiting). */
const TERMINAL = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
]);

export function isTerminalState(state: string): boolean {
  return TERMINAL.has(state);
}

export function isPendingState(state: string): boolean {
  return state === 'PENDING' || state === 'REQUEUED' || state === 'REQUEUE_HOLD' || state === 'REQUEUE_FED' || state === 'SPECIAL_EXIT';
}

/** How a state reads in a row: `pending (Resources)`, `running on node07`, `timeout`. */
export function describeJobState(state: string, reason?: string, node?: string): string {
  const why = reason && reason !== 'None' ? ` (${reason})` : '';
  if (isPendingState(state)) return `pending${why}`;
  if (state === 'RUNNING' || state === 'CONFIGURING' || state === 'COMPLETING') return `${state.toLowerCase()}${node ? ` on ${node}` : ''}`;
  return `${state.toLowerCase().replace(/_/g, ' ')}${isTerminalState(state) ? '' : why}`;
}

export interface JobEnd {
  jobId: string;
  /** Final scheduler state; undefined when Slurm no longer knows the job. */
  info?: JobInfo;
  /** run.json as the trainer left it. */
  record: RunRecord;
  /** This session asked for the cancellation (Stop, Ctrl+C). */
  stopRequested: boolean;
  /** The job's output file, for the message when the trainer never started. */
  outputFile: string;
  /** Its last lines. */
  outputTail?: string;
}

export interface RunOutcome {
  status: RunStatus;
  /** Why, for the row and the log; undefined for a plain finish or a requested stop. */
  message?: string;
}

function exitOf(info: JobInfo | undefined): string {
  const [code, signal] = (info?.exitCode ?? '').split(':');
  if (signal && signal !== '0') return `signal ${signal}`;
  return code ? `exit code ${code}` : 'no exit code';
}

function epochsKept(r: RunRecord): string {
  const n = r.epochsDone ?? 0;
  return n > 0
    ? `${n} epoch${n === 1 ? '' : 's'} and weights/last are kept; Resume resubmits it with --resume`
    : 'no epoch had finished, so there is no checkpoint; start a new run';
}

/** The run's outcome once its job has ended (or vanished from Slurm). */
export function jobOutcome(e: JobEnd): RunOutcome {
  const { record: r, info, jobId } = e;
  const state = info?.state;
  const recorded = r.status === 'finished' || r.status === 'stopped' || r.status === 'failed';
  const node = info?.node ? ` on node ${info.node}` : '';
  const tail = e.outputTail?.trim() ? `: ${e.outputTail.trim().split('\n').slice(-3).join(' | ')}` : '';
  if (!state) {
    if (recorded) return { status: r.status, ...(r.error ? { message: r.error } : {}) };
    return {
      status: 'failed',
      message: `Slurm no longer knows job ${jobId} (it ended more than the controller's MinJobAge ago and there is no accounting), and the trainer recorded no outcome; see ${e.outputFile}`,
    };
  }
  switch (state) {
    case 'COMPLETED':
      if (recorded) return { status: r.status, ...(r.error ? { message: r.error } : {}) };
      return { status: 'failed', message: `job ${jobId} completed but the trainer recorded no outcome; see ${e.outputFile}${tail}` };
    case 'TIMEOUT': {
      const limit = info?.timeLimit && info.timeLimit !== 'UNLIMITED' ? ` (${info.timeLimit})` : '';
      return {
        status: r.status === 'failed' ? 'failed' : 'stopped',
        message: `time limit${limit} reached: Slurm ended job ${jobId}${node} (TIMEOUT); ${epochsKept(r)} (raise slurm.time for the rest)`,
      };
    }
    case 'CANCELLED': {
      if (/Dependency/i.test(info?.reason ?? '')) {
        return {
          status: 'failed',
          message: `job ${jobId} was cancelled because the job it waited for (its pretraining) did not complete (${info?.reason})`,
        };
      }
      if (e.stopRequested) {
        if (recorded)
          return {
            status: r.status === 'failed' ? 'failed' : 'stopped',
            ...(r.status === 'failed' && r.error ? { message: r.error } : {}),
          };
        return {
          status: 'stopped',
          message:
            r.status === 'queued'
              ? 'stopped before it started (scancel while pending)'
              : `job ${jobId} was cancelled before the trainer recorded a checkpoint`,
        };
      }
      const who = `job ${jobId} was cancelled outside Transfer Lab (scancel by an administrator, another session, or a cluster policy)`;
      if (r.status === 'queued') return { status: 'stopped', message: `${who} before it started` };
      return { status: r.status === 'failed' ? 'failed' : 'stopped', message: `${who}; ${epochsKept(r)}` };
    }
    case 'NODE_FAIL':
      return {
        status: 'failed',
        message: `node${info?.node ? ` ${info.node}` : ''} failed while job ${jobId} ran (Slurm NODE_FAIL, reason ${info?.reason ?? 'None'}); ${epochsKept(r)}`,
      };
    case 'BOOT_FAIL':
      return { status: 'failed', message: `job ${jobId} could not start: its node failed to boot (BOOT_FAIL); start it again` };
    case 'OUT_OF_MEMORY':
      return {
        status: 'failed',
        message: `job ${jobId} ran out of memory${node} (Slurm OUT_OF_MEMORY): raise slurm.memory (--mem); ${epochsKept(r)}`,
      };
    case 'PREEMPTED':
      return {
        status: r.status === 'failed' ? 'failed' : 'stopped',
        message: `job ${jobId} was preempted by a higher-priority job${node} (PREEMPTED); ${epochsKept(r)}`,
      };
    case 'DEADLINE':
      return {
        status: r.status === 'failed' ? 'failed' : 'stopped',
        message: `job ${jobId} passed its deadline (DEADLINE); ${epochsKept(r)}`,
      };
    case 'FAILED':
    default:
      if (r.status === 'failed') return { status: 'failed', ...(r.error ? { message: r.error } : {}) };
      if (recorded) return { status: r.status, ...(r.error ? { message: r.error } : {}) };
      return {
        status: 'failed',
        message: `job ${jobId} ended ${state} (${exitOf(info)})${node} before the trainer recorded an outcome — check the Node runtime and set-up line (transferLab.slurm.node, slurm.setup); ${e.outputFile}${tail}`,
      };
  }
}
