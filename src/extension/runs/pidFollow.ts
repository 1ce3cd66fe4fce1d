// Trainers on this machine that this window did not start (started before a reload, or from a
// terminal): followed by pid — polling whether the process lives, reading metrics.jsonl and
// train.log as they grow — until it exits; then run.json says how it ended, or, when the trainer
// could not record that, the outcome is recorded here. They count against maxConcurrentRuns.
import { checkRunProcess } from './processIdentity';
import { processRunning, stopProcessTree, type StopOutcome } from './processTree';
import type { ExecutorHost } from './runExecutor';
import type { RunQueue } from './runQueue';
import type { LaunchRequest, RunState } from './runState';
import { firstStopSignal } from './yolov5/stopSignal';
import type { RunRecord } from '../../shared/runFolder/contract';

const FOLLOW_POLL_MS = 2_000;

/** What the local executor's host adds for processes that end without recording it. */
export interface PidFollowHost extends ExecutorHost {
  /** Settles a run whose trainer saved its last epoch but died before recording it: finished. */
  settleCompleted(run: RunState, record: RunRecord): Promise<boolean>;
  /** Re-reads the run's folder (run.json, metrics.jsonl) now. */
  refresh(run: RunState): Promise<void>;
}

export class PidFollow {
  private readonly timers = new Map<string, ReturnType<typeof setInterval>>();

  constructor(
    private readonly host: PidFollowHost,
    private readonly queue: RunQueue<LaunchRequest>,
    private readonly pump: () => void,
  ) {}

  has(dir: string): boolean {
    return this.timers.has(dir);
  }

  /** Follows a live trainer this window did not start: by pid, polling, plus file events. */
  follow(run: RunState): void {
    if (this.timers.has(run.dir)) return;
    run.attachment = 'pid';
    this.queue.adopt(run.dir);
    this.timers.set(
      run.dir,
      setInterval(() => void this.poll(run), FOLLOW_POLL_MS),
    );
    this.host.changed(run);
  }

  private async poll(run: RunState): Promise<void> {
    await this.host.readEpochs(run);
    await this.host.logs.catchUp(run.dir);
    const pid = run.record.pid;
    if (pid !== undefined && (await processRunning(pid))) return;
    await this.ended(run);
  }

  private async ended(run: RunState): Promise<void> {
    const timer = this.timers.get(run.dir);
    if (!timer) return;
    clearInterval(timer);
    this.timers.delete(run.dir);
    run.attachment = undefined;
    this.queue.finished(run.dir);
    await this.host.refresh(run);
    await this.host.readEpochs(run);
    if (run.record.status === 'running') {
      if (!(await this.host.settleCompleted(run, run.record))) {
        if (run.stopping)
          await this.host.markEnded(run, 'stopped', `stopped from the editor (process ${run.record.pid} did not record it)`);
        else await this.host.markEnded(run, 'failed', `process ${run.record.pid} ended without recording how the run ended; see train.log`);
      }
    } else {
      this.host.ended(run, run.record.status, run.record.error);
    }
    run.stopping = false;
    this.host.changed(run);
    this.pump();
  }

  /** Stops a followed trainer's process tree; 'not-running' when it is not followed or gone. */
  async stop(run: RunState, graceMs: number): Promise<StopOutcome> {
    const pid = run.record.pid;
    if (!this.timers.has(run.dir) || pid === undefined) return 'not-running';
    const check = await checkRunProcess({ pid, name: run.record.name, pidStartTime: run.record.pidStartTime });
    if (check.state !== 'alive') {
      await this.ended(run);
      return 'not-running';
    }
    run.stopping = true;
    this.host.changed(run);
    const outcome = await stopProcessTree(pid, graceMs, firstStopSignal(run.record));
    await this.ended(run);
    return outcome;
  }

  /** Stops following (the trainers keep running). */
  dispose(): void {
    for (const t of this.timers.values()) clearInterval(t);
    this.timers.clear();
  }

  /** A run that went away: no more polling. */
  forget(dir: string): void {
    clearInterval(this.timers.get(dir));
    this.timers.delete(dir);
  }
}
