// When a followed Slurm job counts as over, for both followers (the editor's and the CLI's). A job
// can look over before its run is: a stop-type end (cancelled, time limit) reaches the trainer as
// SIGTERM and it still writes its checkpoint and record; and a job can be missing from squeue,
// scontrol and sacct for a while (accounting lags behind the controller, a controller restarts).
// Either way the run gets RECORD_GRACE_MS to record its own outcome before it is settled from what
// Slurm says. Pure: unit-tested.
import type { JobInfo } from './client';
import { isTerminalState } from './jobState';
import type { RunRecord } from '../runFolder/contract';

/** Slurm's default KillWait is 30 s: the trainer checkpoints and records within it. */
export const RECORD_GRACE_MS = 45_000;

/** End states that send the trainer SIGTERM first, so it can still record how it stopped. */
const GRACEFUL_ENDS = new Set(['CANCELLED', 'TIMEOUT', 'PREEMPTED', 'DEADLINE']);

export type JobPhase =
  /** Pending or running: keep following. */
  | { phase: 'active' }
  /** Looks over, but the run has not recorded an outcome yet: since when, to look again soon. */
  | { phase: 'grace'; since: number }
  /** Over: settle the run from its record and Slurm's last word. */
  | { phase: 'settle' };

function recorded(record: RunRecord): boolean {
  return record.status === 'finished' || record.status === 'stopped' || record.status === 'failed';
}

/**
 * Where a job stands, from what Slurm says now (`info`, undefined when Slurm knows nothing of it)
 * and run.json (`record`, undefined when unreadable or gone). `since`: when the job was first seen
 * over without a recorded outcome (the `since` of the last 'grace' answer), `now`: the time now.
 */
export function jobPhase(
  info: JobInfo | undefined,
  record: RunRecord | undefined,
  since: number | undefined,
  now: number,
  graceMs = RECORD_GRACE_MS,
): JobPhase {
  if (info && !isTerminalState(info.state)) return { phase: 'active' };
  const waitsForRecord = info ? GRACEFUL_ENDS.has(info.state) && record?.status === 'running' : record !== undefined && !recorded(record);
  if (!waitsForRecord) return { phase: 'settle' };
  const start = since ?? now;
  return now - start < graceMs ? { phase: 'grace', since: start } : { phase: 'settle' };
}
