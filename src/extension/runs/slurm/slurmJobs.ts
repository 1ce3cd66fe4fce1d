// The runs that execute as Slurm jobs, for the RunsManager: submitting them (one job per run, one job
// array per freeze sweep, after the pretraining job when there is one), following them by job id —
// the scheduler's state with back-off, the job's output file for progress, metrics.jsonl as for
// local runs — cancelling them with scancel, and recording how each job ended. Every Slurm command
// runs asynchronously without a shell, so nothing here blocks the extension host. A window that
// reloads finds the job ids in run.json and follows them again.
import type * as vscode from 'vscode';
import * as path from 'node:path';
import type { ProgressEvent, RunRecord, RunStatus } from '../../../shared/runFolder/contract';
import { readRunRecord } from '../../../shared/runFolder/readRecord';
import { parseProgressLine } from '../../../shared/runFolder/progressLine';
import { writeRunRecord } from '../../../shared/runFolder/writeRecord';
import { SlurmClient, SlurmError, submissionEnv, type JobInfo } from '../../../shared/slurm/client';
import { Backoff, finalRecord, lastLines, OutputTail } from '../../../shared/slurm/follow';
import { jobOutputFile } from '../../../shared/slurm/jobScript';
import { describeJobState, isTerminalState, jobOutcome } from '../../../shared/slurm/jobState';
import { describeSlurmOptions } from '../../../shared/slurm/options';
import { submitRuns } from '../../../shared/slurm/submitRuns';
import type { RunLogs } from '../runLogs';
import type { LaunchRequest, RunEnded, RunState } from '../runState';
import { freezeArg } from '../../../shared/runs/sweepPlan';
import type { ExecutorTarget } from './slurmSettings';
import { UNREACHABLE_REASON } from './slurmRowText';

/** What the manager lends this class: its run table, events and record keeping. */
export interface SlurmHost {
  readonly logs: RunLogs;
  /** Tracks a new run folder (a row appears). */
  add(dir: string, folder: string, record: RunRecord): RunState;
  get(dir: string): RunState | undefined;
  changed(run: RunState): void;
  /** A progress event from the job's output, handled as a local trainer's. */
  event(run: RunState, e: ProgressEvent): void;
  readEpochs(run: RunState): Promise<void>;
  /** Records an outcome (writes run.json in a trusted workspace) and announces it. */
  markEnded(run: RunState, status: RunStatus, message?: string): Promise<void>;
  /** The job ended and its final run.json is written: announce it. */
  ended(run: RunState, status: RunStatus, message?: string): void;
  whenEnded(run: RunState): Promise<RunEnded>;
  isActive(run: RunState): boolean;
  /** Settings: the trainer script and the engine a run uses. */
  trainerScript: string;
  engine(scope: string): string;
  /** A restricted workspace stays read-only: outcomes show but run.json is not written. */
  trusted(): boolean;
}

interface Job {
  run: RunState;
  /** Empty while it waits to be submitted (for a local pretraining run to finish). */
  jobId: string;
  tail?: OutputTail;
  info?: JobInfo;
  stopRequested: boolean;
  /** A stop-type end seen while run.json still said running: the trainer gets time to record. */
  endSeenAt?: number;
  /** Cancels the wait of a job not submitted yet. */
  cancelWait?: () => void;
}

const TICK_MS = 1_000;
/** Slurm's default KillWait is 30 s: the trainer checkpoints within it. */
const RECORD_GRACE_MS = 45_000;
const GRACEFUL_ENDS = new Set(['CANCELLED', 'TIMEOUT', 'PREEMPTED', 'DEADLINE']);
/** A reattached long output file: only its end is replayed into the log. */
const REATTACH_TAIL_BYTES = 256 * 1024;

export class SlurmJobs implements vscode.Disposable {
  private readonly jobs = new Map<string, Job>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly backoff = new Backoff(2_000, 30_000);
  private nextPoll = 0;
  private polling = false;
  private unreachable: string | undefined;
  private disposed = false;

  constructor(private readonly host: SlurmHost, private readonly client: SlurmClient = new SlurmClient({ env: () => submissionEnv() })) {}

  /** A run whose run.json names a Slurm job. */
  owns(run: RunState): boolean {
    return run.record.executor?.kind === 'slurm';
  }

  isFollowing(dir: string): boolean {
    return this.jobs.has(dir);
  }

  /** Why the controller cannot be reached now (shown on the rows of followed runs), if it cannot. */
  get problem(): string | undefined {
    return this.unreachable;
  }

  // -------------------------------------------------------------------------------- submitting

  /**
   * Submits runs queued by the manager: one run as a job, several (a sweep) as one job array. Each
   * run folder gets a queued run.json first, so the rows show at once; a rejected submission leaves
   * them failed with Slurm's message (and throws it).
   */
  async submit(folder: string, runsDir: string, items: Array<{ name: string; req: LaunchRequest }>, target: Extract<ExecutorTarget, { kind: 'slurm' }>): Promise<RunState[]> {
    const runs: RunState[] = [];
    for (const { name, req } of items) {
      const dir = path.join(runsDir, name);
      const record: RunRecord = { name, status: 'queued', experiment: req.experiment, freeze: req.freeze, ...(req.sweep ? { sweep: req.sweep } : {}) };
      await writeRunRecord(dir, record);
      const run = this.host.add(dir, folder, record);
      this.jobs.set(dir, { run, jobId: '', stopRequested: false });
      runs.push(run);
    }
    const after = items[0].req.after ? this.host.get(items[0].req.after) : undefined;
    if (after && this.host.isActive(after) && !(after.record.executor?.kind === 'slurm' && after.record.executor.jobId)) {
      // The pretraining trains on this machine: submit once it has finished.
      let cancelled = false;
      for (const r of runs) this.jobs.get(r.dir)!.cancelWait = () => (cancelled = true);
      for (const r of runs) this.host.logs.note(r.dir, r.record.name, `waiting for pretraining run ${after.record.name} to finish before submitting to Slurm`);
      void this.host.whenEnded(after).then(async (e) => {
        if (cancelled || this.disposed) return;
        if (e.status !== 'finished') {
          for (const r of runs) await this.failUnsubmitted(r, `it starts from the weights of run ${after.record.name}, which ended ${e.status}; resume or re-run that one first`);
          return;
        }
        await this.doSubmit(runs, items, target).catch(() => undefined); // the rows say why
      });
      return runs;
    }
    const dependency = after && this.host.isActive(after) && after.record.executor?.kind === 'slurm' ? after.record.executor.jobId : undefined;
    await this.doSubmit(runs, items, target, dependency);
    return runs;
  }

  private async doSubmit(runs: RunState[], items: Array<{ name: string; req: LaunchRequest }>, target: Extract<ExecutorTarget, { kind: 'slurm' }>, dependency?: string): Promise<void> {
    const req = items[0].req;
    const first = runs[0];
    const o = target.options;
    const call = {
      node: o.node ?? 'node',
      trainer: o.trainer ?? this.host.trainerScript,
      experiment: req.experiment,
      runsDir: path.dirname(first.dir),
      engine: this.host.engine(first.folder),
      // The launch command asked about unknown keys before anything was queued.
      allowUnknownKeys: true,
    };
    const jobName = runs.length > 1 ? (req.sweep ?? first.record.name) : first.record.name;
    for (const r of runs) this.host.logs.attach(r.dir, r.record.name, `submitting to Slurm (${describeSlurmOptions(o)}; from ${target.source})${dependency ? `, after job ${dependency}` : ''}`);
    let submitted;
    try {
      submitted = await submitRuns(this.client, {
        call, options: o, jobName, experiment: req.experiment, freezes: items.map((i) => i.req.freeze), ...(dependency ? { after: dependency } : {}),
        runs: items.map((i) => ({ name: i.name, freeze: freezeArg(i.req.freeze), ...(i.req.sweep ? { sweep: i.req.sweep } : {}), ...(i.req.resume ? { resume: true } : {}) })),
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const r of runs) await this.failUnsubmitted(r, message);
      throw e;
    }
    runs.forEach((r, i) => {
      r.record = submitted.records[i];
      const job = this.jobs.get(r.dir) ?? { run: r, jobId: '', stopRequested: false };
      job.jobId = submitted.jobIds[i];
      job.cancelWait = undefined;
      job.tail = new OutputTail(jobOutputFile(r.dir, job.jobId));
      this.jobs.set(r.dir, job);
      this.host.logs.note(r.dir, r.record.name, `job ${job.jobId} submitted; output in ${jobOutputFile(r.dir, job.jobId)}`);
      this.host.changed(r);
    });
    this.pollSoon();
  }

  private async failUnsubmitted(run: RunState, message: string): Promise<void> {
    this.jobs.delete(run.dir);
    await this.host.markEnded(run, 'failed', message);
  }

  /** Resume: the same run folder, a new job with --resume (or a fresh start when it never trained). */
  async resubmit(run: RunState, target: Extract<ExecutorTarget, { kind: 'slurm' }>, resume: boolean): Promise<void> {
    const req: LaunchRequest = { experiment: run.record.experiment, freeze: run.record.freeze, ...(run.record.sweep ? { sweep: run.record.sweep } : {}), resume };
    this.jobs.set(run.dir, { run, jobId: '', stopRequested: false });
    run.record = { ...run.record, status: 'queued' };
    delete run.record.error;
    delete run.record.endedAt;
    this.host.changed(run);
    try {
      await this.doSubmit([run], [{ name: run.record.name, req }], target);
    } catch (e) {
      // A resubmission that failed leaves the run as it was (submitRuns restored run.json), with why.
      this.jobs.delete(run.dir);
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
    if (ex?.kind !== 'slurm' || !ex.jobId || this.jobs.has(run.dir) || this.disposed) return;
    const job: Job = { run, jobId: ex.jobId, stopRequested: false, tail: new OutputTail(jobOutputFile(run.dir, ex.jobId), REATTACH_TAIL_BYTES) };
    this.jobs.set(run.dir, job);
    this.host.logs.attach(run.dir, run.record.name, `following Slurm job ${ex.jobId} (${run.record.status}) from ${jobOutputFile(run.dir, ex.jobId)}`);
    this.host.changed(run);
    this.pollSoon();
  }

  private pollSoon(): void {
    this.nextPoll = 0;
    this.backoff.reset();
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
      const submitted = [...this.jobs.values()].filter((j) => j.jobId);
      for (const j of submitted) await this.readOutput(j);
      // The trainer recording its end, or a stop, makes the scheduler worth asking at once.
      const urgent = submitted.some((j) => j.stopRequested || (j.run.record.status !== 'running' && j.run.record.status !== 'queued'));
      if (submitted.length && (Date.now() >= this.nextPoll || urgent)) {
        const changed = await this.poll(submitted);
        this.nextPoll = Date.now() + this.backoff.next(changed);
      }
    } finally {
      this.polling = false;
    }
    if (this.jobs.size > 0) this.schedule(TICK_MS);
  }

  private async readOutput(job: Job): Promise<void> {
    const lines = await job.tail!.read().catch(() => [] as string[]);
    for (const line of lines) this.line(job, line);
    await this.host.readEpochs(job.run);
  }

  private line(job: Job, line: string): void {
    const run = job.run;
    const e = parseProgressLine(line);
    if (e) {
      this.host.event(run, e);
      return;
    }
    this.host.logs.text(run.dir, run.record.name, line, 'stderr');
  }

  /** One squeue call for every followed job; returns whether anything changed. */
  private async poll(jobs: Job[]): Promise<boolean> {
    let infos: Map<string, JobInfo>;
    try {
      infos = await this.client.states(jobs.map((j) => j.jobId));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.unreachable !== message) {
        this.unreachable = message;
        for (const j of jobs) {
          this.host.logs.note(j.run.dir, j.run.record.name, `${message} Retrying with back-off; the job is not affected.`, 'error');
          // Shown on the row until the controller answers (not written to run.json).
          const ex = j.run.record.executor;
          j.run.record = { ...j.run.record, executor: { kind: 'slurm', jobId: j.jobId, ...(ex?.kind === 'slurm' ? { state: ex.state, node: ex.node } : {}), reason: UNREACHABLE_REASON } };
          this.host.changed(j.run);
        }
      }
      return false;
    }
    let changed = false;
    if (this.unreachable) {
      this.unreachable = undefined;
      changed = true;
      for (const j of jobs) this.host.logs.note(j.run.dir, j.run.record.name, 'the Slurm controller answers again');
    }
    for (const job of jobs) {
      const info = infos.get(job.jobId);
      if (info && (info.state !== job.info?.state || info.reason !== job.info?.reason || info.node !== job.info?.node)) {
        changed = true;
        job.info = info;
        this.host.logs.note(job.run.dir, job.run.record.name, `job ${job.jobId}: ${describeJobState(info.state, info.reason, info.node)}`);
      }
      if (info) this.applyState(job.run, job.jobId, info);
      else if (job.run.record.executor?.kind === 'slurm' && job.run.record.executor.reason === UNREACHABLE_REASON) {
        job.run.record = { ...job.run.record, executor: { ...job.run.record.executor, reason: undefined } };
        delete (job.run.record.executor as { reason?: string }).reason;
      }
      if (info && !isTerminalState(info.state)) continue;
      const record = await readRunRecord(job.run.dir).catch(() => undefined);
      if (info && GRACEFUL_ENDS.has(info.state) && record?.status === 'running') {
        job.endSeenAt ??= Date.now();
        if (Date.now() - job.endSeenAt < RECORD_GRACE_MS) {
          changed = true;
          continue;
        }
      }
      await this.finish(job, info, record);
      changed = true;
    }
    return changed;
  }

  /** The scheduler's live view goes onto the row (run.json keeps the trainer's own record). */
  private applyState(run: RunState, jobId: string, info: JobInfo): void {
    const prev = run.record.executor;
    const next = { kind: 'slurm' as const, jobId, state: info.state, ...(info.reason !== 'None' ? { reason: info.reason } : {}), ...(info.node ? { node: info.node } : {}) };
    if (JSON.stringify(prev) === JSON.stringify(next)) return;
    run.record = { ...run.record, executor: next };
    this.host.changed(run);
  }

  private async finish(job: Job, info: JobInfo | undefined, disk: RunRecord | undefined): Promise<void> {
    const run = job.run;
    for (const line of [...(await job.tail!.read().catch(() => [] as string[])), ...job.tail!.flush()]) this.line(job, line);
    await this.host.readEpochs(run);
    const record = disk ?? run.record;
    const outputFile = jobOutputFile(run.dir, job.jobId);
    const outcome = jobOutcome({ jobId: job.jobId, info, record, stopRequested: job.stopRequested, outputFile, outputTail: await lastLines(outputFile) });
    const final = finalRecord(record, job.jobId, info, outcome);
    run.stopping = false;
    run.batch = undefined;
    run.record = final;
    await this.host.logs.detach(run.dir);
    if (outcome.message) this.host.logs.note(run.dir, run.record.name, `${outcome.status}: ${outcome.message}`, outcome.status === 'failed' ? 'error' : 'info');
    else this.host.logs.note(run.dir, run.record.name, `job ${job.jobId} ${info ? info.state.toLowerCase() : 'ended'}; run ${outcome.status}`);
    // A restricted workspace stays read-only: the outcome shows, but nothing is written.
    if (this.host.trusted()) {
      try {
        await writeRunRecord(run.dir, final);
      } catch (e) {
        this.host.logs.note(run.dir, run.record.name, `could not update run.json: ${(e as Error).message}`, 'error');
      }
    }
    // Followed (active) until run.json holds the outcome.
    this.jobs.delete(run.dir);
    this.host.changed(run);
    this.host.ended(run, outcome.status, outcome.message);
  }

  // --------------------------------------------------------------------------------- stopping

  /** Stop: scancel (the trainer checkpoints on the SIGTERM and records stopped). */
  async cancel(run: RunState): Promise<'not-running' | 'terminated'> {
    const job = this.jobs.get(run.dir);
    if (!job) return 'not-running';
    if (!job.jobId) {
      job.cancelWait?.();
      this.jobs.delete(run.dir);
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
    for (const j of this.jobs.values()) j.cancelWait?.();
    this.jobs.clear();
  }
}
