// The one follower of Slurm jobs, for the extension host (slurm/slurmExecutor.ts) and for
// `transfer-lab … --slurm` (trainer/cli/slurmFollow.ts): each step reads what every job's output
// file gained, and when due (back-off) or urgent asks the scheduler about every job in one call;
// a job that is over (settle.ts, with its grace) is settled into its final run.json outcome. What
// the lines, states and outcomes become (rows and logs, or events on stdout) is the caller's, through
// hooks. The caller drives the steps (a timer in the host, a loop in the CLI).
import * as path from 'node:path';
import type { JobInfo, SlurmClient } from './client';
import { Backoff, finalRecord, lastLines, type OutputTail } from './follow';
import { jobOutputFile } from './jobScript';
import { isTerminalState, jobOutcome, type RunOutcome } from './jobState';
import { jobPhase } from './settle';
import type { RunRecord } from '../runFolder/contract';
import { readRunRecord } from '../runFolder/readRecord';

export interface FollowedJob {
  /** The run folder: one job per run. */
  readonly dir: string;
  /** Empty while the job waits to be submitted: not followed yet. */
  jobId: string;
  tail?: OutputTail;
  /** The scheduler's last answer about the job. */
  info?: JobInfo;
  /** This session asked for the cancellation (Stop, Ctrl+C). */
  stopRequested: boolean;
  /** When the job was first seen over without a recorded outcome (its grace started). */
  overSince?: number;
}

/** How a followed job ended. */
export interface JobSettled {
  info?: JobInfo;
  outcome: RunOutcome;
  /** The final run.json; undefined when there was no record to finish (the folder was removed). */
  record?: RunRecord;
}

export interface FollowerHooks<J extends FollowedJob> {
  /** New complete lines of the job's output (progress events and text); called every step. */
  output(job: J, lines: string[]): void | Promise<void>;
  /** What the scheduler said about the job at a poll (undefined: nothing); `changed` when its
   *  state, reason or node differ from the last answer. */
  state(job: J, info: JobInfo | undefined, changed: boolean): void;
  /** The scheduler cannot be asked (said once per distinct message); the jobs are not affected. */
  unreachable(message: string, jobs: J[]): void;
  /** It answers again. */
  reachable(jobs: J[]): void;
  /** The job is over: keep its final record (write run.json). The job is still followed. */
  settle(job: J, end: JobSettled): Promise<void>;
  /** After settle, once the job is no longer followed: announce it. */
  ended(job: J, end: JobSettled): void;
  /** The record the run had before, when its run.json cannot be read at the end. */
  lastRecord?(job: J): RunRecord | undefined;
  /** Worth asking the scheduler at this step rather than at the next back-off time (a stop, the
   *  trainer recorded its end). */
  urgent?(job: J): boolean;
}

export interface FollowerOptions {
  /** Back-off between scheduler polls while nothing changes. */
  minPollMs: number;
  maxPollMs: number;
  /** The clock, for tests of the grace. */
  now?: () => number;
}

export class SlurmFollower<J extends FollowedJob> {
  private readonly jobs = new Map<string, J>();
  private readonly backoff: Backoff;
  private readonly now: () => number;
  private nextPoll = 0;
  private unreachable: string | undefined;

  constructor(
    private readonly client: Pick<SlurmClient, 'states'>,
    private readonly hooks: FollowerHooks<J>,
    o: FollowerOptions,
  ) {
    this.backoff = new Backoff(o.minPollMs, o.maxPollMs);
    this.now = o.now ?? Date.now;
  }

  add(job: J): void {
    this.jobs.set(job.dir, job);
  }

  get(dir: string): J | undefined {
    return this.jobs.get(dir);
  }

  /** Stops following without settling (the job keeps running). */
  remove(dir: string): void {
    this.jobs.delete(dir);
  }

  has(dir: string): boolean {
    return this.jobs.has(dir);
  }

  get size(): number {
    return this.jobs.size;
  }

  all(): J[] {
    return [...this.jobs.values()];
  }

  /** Why the scheduler cannot be asked now, while it cannot. */
  get problem(): string | undefined {
    return this.unreachable;
  }

  /** Ask the scheduler at the next step (something happened: a submission, a cancel). */
  pollSoon(): void {
    this.nextPoll = 0;
    this.backoff.reset();
  }

  /** One round: every submitted job's new output, then the scheduler when due. */
  async step(): Promise<void> {
    const submitted = this.all().filter((j) => j.jobId);
    for (const j of submitted) await this.hooks.output(j, await this.readTail(j));
    const urgent = submitted.some((j) => this.hooks.urgent?.(j));
    if (submitted.length && (this.now() >= this.nextPoll || urgent)) {
      const changed = await this.poll(submitted);
      this.nextPoll = this.now() + this.backoff.next(changed);
    }
  }

  /** Steps until every job is settled, `pauseMs` apart; `before` runs ahead of each step. */
  async untilSettled(pauseMs: number, before?: () => Promise<void>): Promise<void> {
    while (this.jobs.size > 0) {
      await before?.();
      await this.step();
      if (this.jobs.size > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  private async readTail(job: J): Promise<string[]> {
    return job.tail ? job.tail.read().catch(() => [] as string[]) : [];
  }

  /** One scheduler call for every job; returns whether anything changed. */
  private async poll(jobs: J[]): Promise<boolean> {
    let infos: Map<string, JobInfo>;
    try {
      infos = await this.client.states(jobs.map((j) => j.jobId));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.unreachable !== message) {
        this.unreachable = message;
        this.hooks.unreachable(message, jobs);
      }
      return false;
    }
    let changed = false;
    if (this.unreachable) {
      this.unreachable = undefined;
      changed = true;
      this.hooks.reachable(jobs);
    }
    for (const job of jobs) {
      const info = infos.get(job.jobId);
      const newInfo =
        info !== undefined && (info.state !== job.info?.state || info.reason !== job.info?.reason || info.node !== job.info?.node);
      if (newInfo) {
        changed = true;
        job.info = info;
      }
      this.hooks.state(job, info, newInfo);
      if (info && !isTerminalState(info.state)) {
        job.overSince = undefined;
        continue;
      }
      const record = await readRunRecord(job.dir).catch(() => undefined);
      const phase = jobPhase(info, record, job.overSince, this.now());
      if (phase.phase === 'active') continue;
      changed = true;
      if (phase.phase === 'grace')
        job.overSince = phase.since; // look again soon
      else await this.finish(job, info, record);
    }
    return changed;
  }

  private async finish(job: J, info: JobInfo | undefined, disk: RunRecord | undefined): Promise<void> {
    await this.hooks.output(job, [...(await this.readTail(job)), ...(job.tail?.flush() ?? [])]);
    const end = await settledEnd(job, info, disk ?? this.hooks.lastRecord?.(job));
    await this.hooks.settle(job, end);
    // Followed (active) until run.json holds the outcome.
    this.jobs.delete(job.dir);
    this.hooks.ended(job, end);
  }
}

/** The outcome of a job that is over, and the run.json that records it. */
async function settledEnd(job: FollowedJob, info: JobInfo | undefined, record: RunRecord | undefined): Promise<JobSettled> {
  if (!record) {
    return {
      ...(info ? { info } : {}),
      outcome: {
        status: 'failed',
        message: `${path.join(job.dir, 'run.json')} is missing: the run folder was removed while job ${job.jobId} ${info ? info.state.toLowerCase() : 'ran'}`,
      },
    };
  }
  const outputFile = jobOutputFile(job.dir, job.jobId);
  const outcome = jobOutcome({
    jobId: job.jobId,
    info,
    record,
    stopRequested: job.stopRequested,
    outputFile,
    outputTail: await lastLines(outputFile),
  });
  return { ...(info ? { info } : {}), outcome, record: finalRecord(record, job.jobId, info, outcome) };
}
