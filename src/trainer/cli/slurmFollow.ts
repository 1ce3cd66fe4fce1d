// How `transfer-lab … --slurm` follows its jobs to the end, with the shared follower
// (shared/slurm/follower.ts): the output file's lines become progress events on this command's
// output, the scheduler's states and outages log lines; each run's final run.json is written here.
// Ctrl+C (SIGINT/SIGTERM) cancels the jobs with scancel; a second one stops following.
import * as path from 'node:path';
import type { JobInfo, SlurmClient } from '../../shared/slurm/client';
import { OutputTail } from '../../shared/slurm/follow';
import { SlurmFollower, type FollowedJob } from '../../shared/slurm/follower';
import { jobOutputFile } from '../../shared/slurm/jobScript';
import type { RunOutcome } from '../../shared/slurm/jobState';
import type { ProgressEvent, RunRecord } from '../../shared/runFolder/contract';
import { parseProgressLine } from '../../shared/runFolder/progressLine';
import { writeRunRecord } from '../../shared/runFolder/writeRecord';

export interface Followed extends FollowedJob {
  name: string;
  outcome?: RunOutcome;
  record?: RunRecord;
  /** The trainer's own end event was forwarded (no second one is made up). */
  sawEnd: boolean;
}

export interface FollowHooks {
  event(run: Followed, e: ProgressEvent): void;
  state(run: Followed, info: JobInfo): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  ended(run: Followed): void;
}

export interface StopRequest {
  requested: boolean;
  cancelled: boolean;
}

/** CLI waits between steps, and its back-off: a terminal shows progress sooner than the editor. */
const STEP_MS = 300;
const MIN_POLL_MS = 1_000;
const MAX_POLL_MS = 10_000;

export function followed(name: string, runsDir: string, jobId: string): Followed {
  const dir = path.join(runsDir, name);
  return { name, dir, jobId, tail: new OutputTail(jobOutputFile(dir, jobId)), stopRequested: false, sawEnd: false };
}

function forwardLines(run: Followed, lines: string[], hooks: FollowHooks): void {
  for (const line of lines) {
    const e = parseProgressLine(line);
    if (e) {
      if (e.type === 'end') run.sawEnd = true;
      hooks.event(run, e);
    } else hooks.event(run, { type: 'log', run: run.name, level: 'warn', message: line });
  }
}

/** Follows jobs until each has ended, then writes each run's final run.json. */
export async function followJobs(client: SlurmClient, runs: Followed[], hooks: FollowHooks, stop: StopRequest): Promise<void> {
  const follower = new SlurmFollower<Followed>(
    client,
    {
      output: (r, lines) => forwardLines(r, lines, hooks),
      state: (r, info, changed) => {
        if (info && changed) hooks.state(r, info);
      },
      unreachable: (message) => hooks.log('warn', `${message} Retrying with back-off; the jobs are not affected.`),
      reachable: () => hooks.log('info', 'the Slurm controller answers again'),
      settle: async (r, end) => {
        r.outcome = end.outcome;
        r.record = end.record;
        if (end.record) await writeRunRecord(r.dir, end.record);
      },
      ended: (r) => hooks.ended(r),
    },
    { minPollMs: MIN_POLL_MS, maxPollMs: MAX_POLL_MS },
  );
  for (const r of runs) follower.add(r);
  await follower.untilSettled(STEP_MS, async () => {
    if (!stop.requested || stop.cancelled) return;
    stop.cancelled = true;
    for (const r of follower.all()) {
      r.stopRequested = true;
      hooks.log('warn', `cancelling job ${r.jobId} (run ${r.name}): its trainer saves weights/last and records stopped`);
      await client.cancel(r.jobId).catch((e: Error) => hooks.log('error', e.message));
    }
    follower.pollSoon();
  });
}

/** Ctrl+C once asks for the jobs to be cancelled; twice exits at once (the jobs still end). */
export function onSignals(stop: StopRequest, log: (m: string) => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      stop.requested = true;
      log(`${sig} received: cancelling the job(s); press Ctrl+C again to stop following (the jobs still end)`);
    } else process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
