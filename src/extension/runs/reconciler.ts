// Runs found on disk that no process of this window owns, reconciled with what is alive: a Slurm
// job is followed by its id, a live local trainer by its pid; a trainer that is gone without
// recording how its run ended leaves the run failed (or finished, when its last epoch was saved);
// and — trusted workspaces only — what an earlier window had queued is queued again.
import * as vscode from 'vscode';
import type { LocalExecutor } from './localExecutor';
import { hasCheckpoint } from './localRunFolder';
import { checkRunProcess } from './processIdentity';
import type { RunRegistry, Tracked } from './runRegistry';
import type { SlurmExecutor } from './slurm/slurmExecutor';
import { readRunRecord } from '../../shared/runFolder/readRecord';

export class Reconciler {
  constructor(
    private readonly runs: RunRegistry,
    private readonly local: LocalExecutor,
    private readonly slurm: SlurmExecutor,
  ) {}

  /** Every run read at start-up (or once the workspace is trusted). */
  async reconcileAll(): Promise<void> {
    const queuedOnDisk: Tracked[] = [];
    for (const run of this.runs.values()) {
      if (this.local.childPid(run.dir) !== undefined || this.local.isQueued(run.dir)) continue;
      if (this.slurm.owns(run) && (run.record.status === 'running' || run.record.status === 'queued')) {
        this.slurm.follow(run);
        continue;
      }
      if (run.record.status === 'running') await this.reconcileRunning(run, 'the window was closed or reloaded');
      else if (run.record.status === 'queued') queuedOnDisk.push(run);
    }
    if (!vscode.workspace.isTrusted) return;
    queuedOnDisk.sort((a, b) => a.sortTime - b.sortTime);
    for (const run of queuedOnDisk) {
      this.local.enqueue(run.dir, {
        experiment: run.record.experiment,
        freeze: run.record.freeze,
        sweep: run.record.sweep,
        resume: await hasCheckpoint(run.dir),
      });
    }
    this.local.pump();
  }

  /** A run whose run.json says running: follow it, or record that its process is gone. */
  async reconcileRunning(run: Tracked, whileWhat: string): Promise<void> {
    if (this.local.attached(run.dir)) return;
    if (this.slurm.owns(run)) {
      this.slurm.follow(run); // a job on some node: followed by job id, not pid
      return;
    }
    const pid = run.record.pid;
    const check =
      pid === undefined
        ? { state: 'dead' as const }
        : await checkRunProcess({ pid, name: run.record.name, pidStartTime: run.record.pidStartTime });
    if (check.state === 'alive') {
      this.local.follow(run);
      return;
    }
    // The trainer may have recorded its end between our read and its exit: that record wins.
    const latest = await readRunRecord(run.dir).catch(() => undefined);
    if (latest && latest.status !== 'running') {
      run.record = latest;
      this.runs.changed(run);
      return;
    }
    if (await this.runs.settleCompleted(run, latest ?? run.record)) return;
    const why =
      pid === undefined
        ? 'run.json says running but names no process'
        : check.state === 'reused'
          ? `process ${pid} ended while ${whileWhat} (${check.why})`
          : `process ${pid} ended while ${whileWhat}`;
    await this.runs.markEnded(run, 'failed', why);
  }
}
