// What the shared Slurm follower's findings become in the editor: output lines become progress
// events and log text, the scheduler's state goes onto the run's row (not into run.json, which
// keeps the trainer's own record), an unreachable controller is said on the rows and in the logs,
// and a job's end is written to run.json (in a trusted workspace) and announced.
import type { JobInfo } from '../../../shared/slurm/client';
import type { FollowedJob, FollowerHooks } from '../../../shared/slurm/follower';
import { describeJobState } from '../../../shared/slurm/jobState';
import type { ExecutorHost } from '../runExecutor';
import type { RunState } from '../runState';
import { UNREACHABLE_REASON } from './slurmRowText';
import { parseProgressLine } from '../../../shared/runFolder/progressLine';
import { writeRunRecord } from '../../../shared/runFolder/writeRecord';

/** A run followed as a Slurm job. */
export interface SlurmJob extends FollowedJob {
  run: RunState;
  /** Cancels the wait of a job not submitted yet. */
  cancelWait?: () => void;
}

export function followerHooks(host: ExecutorHost): FollowerHooks<SlurmJob> {
  return {
    output: async (job, lines) => {
      const run = job.run;
      for (const line of lines) {
        const e = parseProgressLine(line);
        if (e) host.event(run, e);
        else host.logs.text(run.dir, run.record.name, line, 'stderr');
      }
      await host.readEpochs(run);
    },
    state: (job, info, changed) => {
      const run = job.run;
      if (info && changed)
        host.logs.note(run.dir, run.record.name, `job ${job.jobId}: ${describeJobState(info.state, info.reason, info.node)}`);
      if (info) applyState(host, run, job.jobId, info);
      else if (run.record.executor?.kind === 'slurm' && run.record.executor.reason === UNREACHABLE_REASON) {
        const executor = { ...run.record.executor };
        delete executor.reason;
        run.record = { ...run.record, executor };
      }
    },
    unreachable: (message, jobs) => {
      for (const j of jobs) {
        host.logs.note(j.run.dir, j.run.record.name, `${message} Retrying with back-off; the job is not affected.`, 'error');
        // Shown on the row until the controller answers (not written to run.json).
        const ex = j.run.record.executor;
        j.run.record = {
          ...j.run.record,
          executor: {
            kind: 'slurm',
            jobId: j.jobId,
            ...(ex?.kind === 'slurm' ? { state: ex.state, node: ex.node } : {}),
            reason: UNREACHABLE_REASON,
          },
        };
        host.changed(j.run);
      }
    },
    reachable: (jobs) => {
      for (const j of jobs) host.logs.note(j.run.dir, j.run.record.name, 'the Slurm controller answers again');
    },
    settle: async (job, end) => {
      const run = job.run;
      const { outcome, info } = end;
      run.stopping = false;
      run.batch = undefined;
      if (end.record) run.record = end.record;
      await host.logs.detach(run.dir);
      if (outcome.message)
        host.logs.note(run.dir, run.record.name, `${outcome.status}: ${outcome.message}`, outcome.status === 'failed' ? 'error' : 'info');
      else host.logs.note(run.dir, run.record.name, `job ${job.jobId} ${info ? info.state.toLowerCase() : 'ended'}; run ${outcome.status}`);
      // A restricted workspace stays read-only: the outcome shows, but nothing is written.
      if (host.trusted() && end.record) {
        try {
          await writeRunRecord(run.dir, end.record);
        } catch (e) {
          host.logs.note(run.dir, run.record.name, `could not update run.json: ${(e as Error).message}`, 'error');
        }
      }
    },
    ended: (job, end) => {
      host.changed(job.run);
      host.ended(job.run, end.outcome.status, end.outcome.message);
    },
    lastRecord: (job) => job.run.record,
    // The trainer recording its end, or a stop, makes the scheduler worth asking at once.
    urgent: (job) => job.stopRequested || (job.run.record.status !== 'running' && job.run.record.status !== 'queued'),
  };
}

/** The scheduler's live view goes onto the row (run.json keeps the trainer's own record). */
function applyState(host: ExecutorHost, run: RunState, jobId: string, info: JobInfo): void {
  const prev = run.record.executor;
  const next = {
    kind: 'slurm' as const,
    jobId,
    state: info.state,
    ...(info.reason !== 'None' ? { reason: info.reason } : {}),
    ...(info.node ? { node: info.node } : {}),
  };
  if (JSON.stringify(prev) === JSON.stringify(next)) return;
  run.record = { ...run.record, executor: next };
  host.changed(run);
}
