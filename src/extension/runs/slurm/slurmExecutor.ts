// The runs that execute as Slurm jobs: submitting them (one job per run, one job array per freeze
// sweep, after the pretraining job when there is one), following them by job id with the shared
// follower (shared/slurm/follower.ts: the scheduler's state with back-off, the job's output file
// for progress, metrics.jsonl as for local runs), cancelling them with scancel, and recording how
// each job ended. Every Slurm command runs asynchronously without a shell, so nothing here blocks
// the extension host. A window that reloads finds the job ids in run.json and follows them again.
import type * as vscode from 'vscode';
import * as path from 'node:path';
import { SlurmClient, SlurmError, submissionEnv } from '../../../shared/slurm/client';
import { OutputTail } from '../../../shared/slurm/follow';
import { SlurmFollower } from '../../../shared/slurm/follower';
import { jobOutputFile } from '../../../shared/slurm/jobScript';
import type { ExecutorHost, RunExecutor } from '../runExecutor';
import { queuedRecord, type LaunchRequest, type RunState } from '../runState';
import { followerHooks, type SlurmJob } from './slurmFollowHooks';
import type { ExecutorTarget } from './slurmSettings';
import { submitJobs, type SubmitItem } from './slurmSubmit';
import { readRunRecord } from '../../../shared/runFolder/readRecord';
import { writeRunRecord } from '../../../shared/runFolder/writeRecord';

export interface SlurmSetup {
  /** The trainer script a job runs, unless the options name another. */
  trainerScript: string;
  /** The engine setting for runs of a workspace folder. */
  engine(folder: string): string;
}

type SlurmTarget = Extract<ExecutorTarget, { kind: 'slurm' }>;

const TICK_MS = 1_000;
/** A reattached long output file: only its end is replayed into the log. */
const REATTACH_TAIL_BYTES = 256 * 1024;

export class SlurmExecutor implements RunExecutor, vscode.Disposable {
  private readonly follower: SlurmFollower<SlurmJob>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling = false;
  private disposed = false;

  constructor(
    private readonly host: ExecutorHost,
    private readonly setup: SlurmSetup,
    private readonly client: SlurmClient = new SlurmClient({ env: () => submissionEnv() }),
  ) {
    this.follower = new SlurmFollower(client, followerHooks(host), { minPollMs: 2_000, maxPollMs: 30_000 });
  }

  /** A run whose run.json names a Slurm job. */
  owns(run: RunState): boolean {
    return run.record.executor?.kind === 'slurm';
  }

  isActive(run: RunState): boolean {
    return this.follower.has(run.dir);
  }

  isFollowing(dir: string): boolean {
    return this.follower.has(dir);
  }

  /** Why the controller cannot be reached now (shown on the rows of followed runs), if it cannot. */
  get problem(): string | undefined {
    return this.follower.problem;
  }

  // -------------------------------------------------------------------------------- submitting

  /**
   * Submits runs queued by the manager: one run as a job, several (a sweep) as one job array. Each
   * run folder gets a queued run.json first, so the rows show at once; a rejected submission leaves
   * them failed with Slurm's message (and throws it).
   */
  async submit(folder: string, runsDir: string, items: SubmitItem[], target: SlurmTarget): Promise<RunState[]> {
    const runs: RunState[] = [];
    for (const { name, req } of items) {
      const dir = path.join(runsDir, name);
      const record = queuedRecord(name, req);
      await writeRunRecord(dir, record);
      const run = this.host.add(dir, folder, record);
      this.follower.add({ dir, run, jobId: '', stopRequested: false });
      runs.push(run);
    }
    const after = items[0].req.after ? this.host.get(items[0].req.after) : undefined;
    if (after && this.host.isActive(after) && !(after.record.executor?.kind === 'slurm' && after.record.executor.jobId)) {
      // The pretraining trains on this machine: submit once it has finished.
      let cancelled = false;
      for (const r of runs) this.follower.get(r.dir)!.cancelWait = () => (cancelled = true);
      for (const r of runs)
        this.host.logs.note(r.dir, r.record.name, `waiting for pretraining run ${after.record.name} to finish before submitting to Slurm`);
      void this.host.whenEnded(after).then(async (e) => {
        if (cancelled || this.disposed) return;
        if (e.status !== 'finished') {
          for (const r of runs)
            await this.failUnsubmitted(
              r,
              `it starts from the weights of run ${after.record.name}, which ended ${e.status}; resume or re-run that one first`,
            );
          return;
        }
        await this.doSubmit(runs, items, target).catch(() => undefined); // the rows say why
      });
      return runs;
    }
    const dependency =
      after && this.host.isActive(after) && after.record.executor?.kind === 'slurm' ? after.record.executor.jobId : undefined;
    await this.doSubmit(runs, items, target, dependency);
    return runs;
  }

  private async doSubmit(runs: RunState[], items: SubmitItem[], target: SlurmTarget, dependency?: string): Promise<void> {
    const first = runs[0];
    let jobIds: string[];
    try {
      jobIds = await submitJobs(this.client, this.host.logs, {
        runs,
        items,
        target,
        dependency,
        trainerScript: this.setup.trainerScript,
        engine: this.setup.engine(first.folder),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const r of runs) await this.failUnsubmitted(r, message);
      throw e;
    }
    runs.forEach((r, i) => {
      const job = this.follower.get(r.dir) ?? { dir: r.dir, run: r, jobId: '', stopRequested: false };
      job.jobId = jobIds[i];
      job.cancelWait = undefined;
      job.tail = new OutputTail(jobOutputFile(r.dir, job.jobId));
      this.follower.add(job);
      this.host.logs.note(r.dir, r.record.name, `job ${job.jobId} submitted; output in ${jobOutputFile(r.dir, job.jobId)}`);
      this.host.changed(r);
    });
    this.pollSoon();
  }

  private async failUnsubmitted(run: RunState, message: string): Promise<void> {
    this.follower.remove(run.dir);
    await this.host.markEnded(run, 'failed', message);
  }

  /** Resume: the same run folder, a new job with --resume (or a fresh start when it never trained). */
  async resubmit(run: RunState, target: SlurmTarget, resume: boolean): Promise<void> {
    const req: LaunchRequest = {
      experiment: run.record.experiment,
      freeze: run.record.freeze,
      ...(run.record.sweep ? { sweep: run.record.sweep } : {}),
      ...(run.record.fineTune ? { fineTune: run.record.fineTune } : {}),
      resume,
    };
    this.follower.add({ dir: run.dir, run, jobId: '', stopRequested: false });
    run.record = { ...run.record, status: 'queued' };
    delete run.record.error;
    delete run.record.endedAt;
    this.host.changed(run);
    try {
      await this.doSubmit([run], [{ name: run.record.name, req }], target);
    } catch (e) {
      // A resubmission that failed leaves the run as it was (submitRuns restored run.json), with why.
      this.follower.remove(run.dir);
      const prev = await readRunRecord(run.dir).catch(() => undefined);
      if (prev) run.record = prev;
      this.host.changed(run);
      throw e;
    }
  }

  // --------------------------------------------------------------------------------- following

  /** Follows a run whose run.json names its job (after a reload, or submitted from a terminal). */
  follow(run: RunState): void {
    const ex = run.record.executor;
    if (ex?.kind !== 'slurm' || !ex.jobId || this.follower.has(run.dir) || this.disposed) return;
    const tail = new OutputTail(jobOutputFile(run.dir, ex.jobId), REATTACH_TAIL_BYTES);
    this.follower.add({ dir: run.dir, run, jobId: ex.jobId, stopRequested: false, tail });
    this.host.logs.attach(
      run.dir,
      run.record.name,
      `following Slurm job ${ex.jobId} (${run.record.status}) from ${jobOutputFile(run.dir, ex.jobId)}`,
    );
    this.host.changed(run);
    this.pollSoon();
  }

  private pollSoon(): void {
    this.follower.pollSoon();
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.polling || this.disposed) return;
    this.polling = true;
    try {
      await this.follower.step();
    } finally {
      this.polling = false;
    }
    if (this.follower.size > 0) this.schedule(TICK_MS);
  }

  // --------------------------------------------------------------------------------- stopping

  /** Stop: scancel (the trainer checkpoints on the SIGTERM and records stopped). */
  async stop(run: RunState): Promise<'not-running' | 'terminated'> {
    const job = this.follower.get(run.dir);
    if (!job) return 'not-running';
    if (!job.jobId) {
      job.cancelWait?.();
      this.follower.remove(run.dir);
      await this.host.markEnded(run, 'stopped', 'stopped before it was submitted');
      return 'not-running';
    }
    job.stopRequested = true;
    run.stopping = true;
    this.host.changed(run);
    this.host.logs.note(run.dir, run.record.name, `stopping: scancel ${job.jobId} (SIGTERM to the trainer, which saves weights/last)`);
    try {
      await this.client.cancel(job.jobId);
    } catch (e) {
      job.stopRequested = false;
      run.stopping = false;
      this.host.changed(run);
      throw e instanceof SlurmError ? e : new Error(String(e));
    }
    this.pollSoon();
    return 'terminated';
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    // Jobs keep running: the next window follows them again by job id.
    for (const j of this.follower.all()) {
      j.cancelWait?.();
      this.follower.remove(j.dir);
    }
  }
}
