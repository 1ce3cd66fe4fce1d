// The runs that execute as trainer processes on this machine: queued (transferLab.maxConcurrentRuns
// at a time, a run that waits for its pretraining after it), started as a child process whose
// progress lines and exit this window reads, or — started before a reload or from a terminal —
// followed by pid (pidFollow.ts); stopped by ending the process tree (SIGTERM, then SIGKILL).
import * as vscode from 'vscode';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { isPlaceholder } from './localRunFolder';
import { PidFollow, type PidFollowHost } from './pidFollow';
import { stopProcessTree, type StopOutcome } from './processTree';
import type { RunExecutor } from './runExecutor';
import { RunQueue } from './runQueue';
import { readRunsConfig } from './runSettings';
import type { LaunchRequest, RunState } from './runState';
import { resolveNodeRuntime, trainArgs, trainerEnv } from './trainerCommand';
import { TrainerExit, TrainerProcess } from './trainerProcess';
import { firstStopSignal } from './yolov5/stopSignal';
import type { ProgressEvent, RunRecord } from '../../shared/runFolder/contract';
import { readRunRecord } from '../../shared/runFolder/readRecord';

/** What this window knows of a trainer it started. */
interface Child {
  process: TrainerProcess;
  endEvent?: Extract<ProgressEvent, { type: 'end' }>;
  stderrTail: string[];
}

export class LocalExecutor implements RunExecutor, vscode.Disposable {
  private readonly queue = new RunQueue<LaunchRequest>();
  private readonly children = new Map<string, Child>();
  private readonly pids: PidFollow;
  /** Extra environment for a launch, from the features that need it (a YOLOv5 run's Python). */
  private readonly launchEnvironments = new Set<(experimentFile: string) => Promise<Record<string, string>>>();
  private disposed = false;

  constructor(
    private readonly host: PidFollowHost,
    private readonly trainerScript: string,
  ) {
    this.pids = new PidFollow(host, this.queue, () => this.pump());
  }

  /** Runs not recorded as Slurm jobs. */
  owns(run: RunState): boolean {
    return run.record.executor?.kind !== 'slurm';
  }

  isActive(run: RunState): boolean {
    return this.queue.has(run.dir) || this.children.has(run.dir) || this.pids.has(run.dir);
  }

  /** A process of this executor, started or followed (not only queued). */
  attached(dir: string): boolean {
    return this.children.has(dir) || this.pids.has(dir);
  }

  /** Pid of the trainer this window started for the run, while it runs. */
  childPid(dir: string): number | undefined {
    return this.children.get(dir)?.process.pid;
  }

  /** Run folders queued in this window, in launch order. */
  queuedDirs(): string[] {
    return this.queue.waitingNames;
  }

  isQueued(dir: string): boolean {
    return this.queue.has(dir);
  }

  /** Queues a run (its row is tracked already); it starts when a slot is free. */
  enqueue(dir: string, req: LaunchRequest): void {
    this.queue.enqueue(dir, req);
  }

  /** Follows a live trainer this window did not start, by pid. */
  follow(run: RunState): void {
    this.pids.follow(run);
  }

  /** Adds environment variables to every later launch of an experiment (until disposed). */
  addLaunchEnvironment(provider: (experimentFile: string) => Promise<Record<string, string>>): vscode.Disposable {
    this.launchEnvironments.add(provider);
    return new vscode.Disposable(() => this.launchEnvironments.delete(provider));
  }

  /** Starts queued runs while fewer than transferLab.maxConcurrentRuns are running; a run that
   *  waits for another (its pretraining) starts after that one finished, or fails with it. */
  pump(): void {
    if (this.disposed || !vscode.workspace.isTrusted) return;
    for (const name of this.queue.waitingNames) {
      const run = this.host.get(name);
      const job = this.queue.jobOf(name);
      const dep = job?.after ? this.host.get(job.after) : undefined;
      if (!run || !job?.after) continue;
      const depStatus = dep?.record.status;
      if (dep && (depStatus === 'queued' || depStatus === 'running' || this.host.isActive(dep))) continue;
      if (depStatus !== 'finished') {
        this.queue.cancel(name);
        void this.host.markEnded(
          run,
          'failed',
          `it starts from the weights of run ${path.basename(job.after)}, which ${dep ? `ended ${depStatus}` : 'was deleted'}; resume or re-run that one first`,
        );
      }
    }
    const ready = (e: { job: LaunchRequest }) => {
      if (!e.job.after) return true;
      const dep = this.host.get(e.job.after);
      return dep?.record.status === 'finished' && !this.host.isActive(dep);
    };
    for (const entry of this.queue.take(readRunsConfig().maxConcurrentRuns, ready)) {
      const run = this.host.get(entry.name);
      if (!run) {
        this.queue.finished(entry.name);
        continue;
      }
      this.launch(run, entry.job).catch((e) => void this.launchFailed(run, e instanceof Error ? e.message : String(e)));
    }
  }

  private async launchFailed(run: RunState, message: string): Promise<void> {
    this.children.delete(run.dir);
    this.queue.finished(run.dir);
    this.host.logs.note(run.dir, run.record.name, message, 'error');
    await this.host.markEnded(run, 'failed', message);
    this.pump();
  }

  private async launch(run: RunState, req: LaunchRequest): Promise<void> {
    const config = readRunsConfig(vscode.Uri.file(run.folder));
    const runtime = await resolveNodeRuntime(config.nodePath);
    const extraEnv: Record<string, string> = {};
    for (const provide of this.launchEnvironments) Object.assign(extraEnv, await provide(req.experiment));
    const args = trainArgs(
      {
        trainerScript: this.trainerScript,
        experiment: req.experiment,
        name: run.record.name,
        runsDir: path.dirname(run.dir),
        freeze: req.freeze,
        sweep: req.sweep,
        resume: req.resume,
        fineTune: !!req.fineTune,
      },
      config,
    );
    // The trainer creates a new run's folder itself and refuses an existing one: the placeholder
    // that showed the run while it was queued goes first.
    if (!req.resume) {
      if (!(await isPlaceholder(run.dir))) throw new Error(`${run.dir} already holds a run; delete it or resume it`);
      await rm(run.dir, { recursive: true, force: true });
    }
    run.stopping = false;
    run.batch = undefined;
    this.host.logs.attach(
      run.dir,
      run.record.name,
      `${req.resume ? 'resuming' : 'starting'}: ${runtime.command} ${args.join(' ')}  (cwd ${run.folder}, Node from ${runtime.source})`,
    );
    const child: Partial<Child> & { stderrTail: string[] } = { stderrTail: [] };
    const proc = new TrainerProcess(
      { command: runtime.command, args, cwd: run.folder, env: { ...trainerEnv(runtime, config), ...extraEnv } },
      {
        onEvent: (e) => {
          if (e.type === 'end') child.endEvent = e;
          this.host.event(run, e);
        },
        onText: (line, stream) => {
          this.host.logs.text(run.dir, run.record.name, line, stream);
          if (stream === 'stderr') {
            child.stderrTail.push(line);
            if (child.stderrTail.length > 20) child.stderrTail.shift();
          }
        },
        onExit: (result) => void this.onTrainerExit(run, proc, result),
      },
    );
    child.process = proc;
    this.children.set(run.dir, child as Child);
    run.attachment = 'child';
    run.record = {
      ...run.record,
      status: 'running',
      pid: proc.pid,
      startedAt: run.record.startedAt && req.resume ? run.record.startedAt : new Date().toISOString(),
    };
    run.epochStartedAt = Date.now();
    this.host.changed(run);
  }

  private async onTrainerExit(run: RunState, proc: TrainerProcess, result: TrainerExit): Promise<void> {
    const child = this.children.get(run.dir);
    if (child?.process !== proc) return;
    this.children.delete(run.dir);
    run.attachment = undefined;
    run.batch = undefined;
    this.queue.finished(run.dir);
    await this.host.logs.detach(run.dir);
    let disk: RunRecord | undefined;
    try {
      disk = await readRunRecord(run.dir);
    } catch {
      disk = undefined;
    }
    await this.host.readEpochs(run);
    const how = result.error
      ? `could not start the trainer: ${result.error.message}`
      : result.signal
        ? `killed by ${result.signal}`
        : `exit code ${result.code}`;
    const end = child.endEvent;
    if (disk && disk.status !== 'running' && disk.status !== 'queued') {
      // The trainer recorded how it ended.
      run.record = disk;
      const message = disk.status === 'failed' ? (disk.error ?? end?.error ?? stderrMessage(child) ?? how) : undefined;
      this.host.logs.note(run.dir, run.record.name, `process ended (${how}); run ${disk.status}`);
      this.host.ended(run, disk.status, message);
    } else if (disk && (await this.host.settleCompleted(run, disk))) {
      // killed after saving its last epoch: settled as finished
    } else if (run.stopping) {
      await this.host.markEnded(
        run,
        'stopped',
        result.signal === 'SIGKILL' ? `killed after transferLab.stopTimeoutSeconds without recording a checkpoint (${how})` : undefined,
      );
    } else if (result.code === 0 && end && end.status !== 'running') {
      await this.host.markEnded(run, end.status, end.error);
    } else if (result.error) {
      await this.host.markEnded(run, 'failed', `${how}. Check the transferLab.nodePath setting (empty: node on PATH).`);
    } else {
      await this.host.markEnded(
        run,
        'failed',
        end?.error ?? stderrMessage(child) ?? `the trainer ended (${how}) without recording an outcome`,
      );
    }
    run.stopping = false;
    this.host.changed(run);
    this.pump();
  }

  /** Drops a queued run; false when it was not waiting. */
  cancelQueued(dir: string): boolean {
    return this.queue.cancel(dir);
  }

  /** Ends the run's whole process tree (SIGTERM, then SIGKILL after transferLab.stopTimeoutSeconds). */
  async stop(run: RunState): Promise<StopOutcome> {
    const graceMs = readRunsConfig(vscode.Uri.file(run.folder)).stopTimeoutSeconds * 1000;
    const pid = this.childPid(run.dir);
    if (pid !== undefined) {
      run.stopping = true;
      this.host.changed(run);
      const signal = firstStopSignal(run.record);
      this.host.logs.note(run.dir, run.record.name, `stopping: ${signal} to process group ${pid}, SIGKILL after ${graceMs / 1000} s`);
      return stopProcessTree(pid, graceMs, signal);
    }
    return this.pids.stop(run, graceMs);
  }

  /** A run that went away: no more following. */
  forget(dir: string): void {
    this.pids.forget(dir);
  }

  dispose(): void {
    this.disposed = true;
    // Trainers keep running: the next window re-attaches to them by pid.
    this.pids.dispose();
  }
}

/** The trainer's last words on stderr (its error message when it fails before reporting). */
function stderrMessage(child: Child): string | undefined {
  const lines = child.stderrTail.map((l) => l.trim()).filter((l) => l.length > 0 && !/^\s*at\s/.test(l));
  return lines.length > 0 ? lines.slice(-3).join(' ') : undefined;
}
