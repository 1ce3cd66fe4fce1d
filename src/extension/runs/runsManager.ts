// Every run of the workspace, as run folders on disk say and as this window's trainers report. The
// manager wires the parts and is what the views and commands use: the run table (runRegistry.ts),
// folder sync (folderSync.ts), the reconciler of records with live processes (reconciler.ts), and
// the executors (runExecutor.ts) — trainer processes here (localExecutor.ts) or Slurm jobs
// (slurm/slurmExecutor.ts) — each run goes to, as the experiment's `executor:` or the setting says.
import * as vscode from 'vscode';
import { rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FolderSync, RUNS_DIR } from './folderSync';
import { LocalExecutor } from './localExecutor';
import { hasCheckpoint, isPlaceholder } from './localRunFolder';
import type { PidFollowHost } from './pidFollow';
import type { StopOutcome } from './processTree';
import { Reconciler } from './reconciler';
import type { RunLogs } from './runLogs';
import { RunRegistry, type EpochsAppended, type Tracked } from './runRegistry';
import { readRunsConfig } from './runSettings';
import { queuedRecord, type LaunchRequest, type RunEnded, type RunState } from './runState';
import { SlurmExecutor } from './slurm/slurmExecutor';
import { executorFor } from './slurm/slurmSettings';
import { writeRunRecord } from '../../shared/runFolder/writeRecord';

export type { LaunchRequest, RunEnded, RunState } from './runState';
export type { EpochsAppended } from './runRegistry';
export { RUNS_DIR } from './folderSync';

/** Where runs of an experiment go, as the trainer decides by default: `runs/` beside the file. */
export function runsDirOf(experimentFile: string): string {
  return path.join(path.dirname(experimentFile), RUNS_DIR);
}

export class RunsManager implements vscode.Disposable {
  private readonly runs: RunRegistry;
  private readonly local: LocalExecutor;
  /** Runs that execute as Slurm jobs: submitted, followed by job id and cancelled there. */
  readonly slurm: SlurmExecutor;
  private readonly sync: FolderSync;
  private readonly reconciler: Reconciler;
  private readonly disposables: vscode.Disposable[] = [];

  readonly onDidChange: vscode.Event<RunState | undefined>;
  readonly onDidAppendEpochs: vscode.Event<EpochsAppended>;
  readonly onDidRemove: vscode.Event<RunState>;
  readonly onDidEnd: vscode.Event<RunEnded>;
  readonly onDidChangeChecked: vscode.Event<void>;

  /** Resolves once the run folders present at start-up are read and reconciled. */
  readonly ready: Promise<void>;

  constructor(
    trainerScript: string,
    state: vscode.Memento,
    readonly logs: RunLogs,
  ) {
    this.runs = new RunRegistry(state, logs);
    ({
      onDidChange: this.onDidChange,
      onDidAppendEpochs: this.onDidAppendEpochs,
      onDidRemove: this.onDidRemove,
      onDidEnd: this.onDidEnd,
      onDidChangeChecked: this.onDidChangeChecked,
    } = this.runs);
    const host = this.executorHost();
    this.local = new LocalExecutor(host, trainerScript);
    this.slurm = new SlurmExecutor(host, { trainerScript, engine: (folder) => readRunsConfig(vscode.Uri.file(folder)).engine });
    this.reconciler = new Reconciler(this.runs, this.local, this.slurm);
    this.sync = new FolderSync(this.runs, {
      childPid: (dir) => this.local.childPid(dir),
      holds: (dir) => this.local.isQueued(dir) || this.local.childPid(dir) !== undefined,
      reconcile: (run) => this.reconciler.reconcileRunning(run, 'this window was not following it'),
      untrack: (run) => {
        this.local.forget(run.dir);
        this.runs.untrack(run);
      },
    });
    this.disposables.push(this.runs, this.local, this.slurm, this.sync);
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.sync.watchFolder(folder);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.added) {
          this.sync.watchFolder(f);
          void this.sync.loadFolder(f.uri.fsPath);
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('transferLab.maxConcurrentRuns')) this.local.pump();
      }),
      // Outcomes seen read-only while restricted are written, and queued runs start, once trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.load()),
    );
    this.ready = this.load();
  }

  /** What the executors may do with the run table. */
  private executorHost(): PidFollowHost {
    const runs = this.runs;
    return {
      logs: this.logs,
      add: (dir, folder, record) => runs.add(dir, folder, record),
      get: (dir) => runs.byDir(dir),
      changed: (run) => runs.changed(run),
      event: (run, e) => runs.applyEvent(run, e),
      readEpochs: (run) => runs.readEpochs(run),
      markEnded: (run, status, message) => runs.markEnded(run, status, message),
      ended: (run, status, message) => {
        runs.ended({ run, status, message });
        this.local.pump();
      },
      whenEnded: (run) => runs.whenEnded(run),
      isActive: (run) => this.isActive(run),
      trusted: () => vscode.workspace.isTrusted,
      settleCompleted: (run, record) => runs.settleCompleted(run, record),
      refresh: (run) => this.sync.refreshDir(run.dir, run.folder, false),
    };
  }

  private async load(): Promise<void> {
    await this.sync.loadFolders();
    await this.reconciler.reconcileAll();
  }

  // ------------------------------------------------------------------ observation

  /** Every run, newest first. */
  list(): RunState[] {
    return this.runs.list();
  }

  /** By folder path, or by run name (first match across workspace folders). */
  get(dirOrName: string): RunState | undefined {
    return this.runs.get(dirOrName);
  }

  /** Runs queued in this window, in launch order. */
  queued(): RunState[] {
    return this.local
      .queuedDirs()
      .map((d) => this.runs.byDir(d))
      .filter((r): r is Tracked => r !== undefined);
  }

  isActive(run: RunState): boolean {
    return this.local.isActive(run) || this.slurm.isActive(run);
  }

  /** Pid of the trainer this window started for the run, while it runs. */
  childPid(run: RunState): number | undefined {
    return this.local.childPid(run.dir);
  }

  isChecked(run: RunState): boolean {
    return this.runs.isChecked(run);
  }

  setChecked(runs: readonly RunState[], checked: boolean): Promise<void> {
    return this.runs.setChecked(runs, checked);
  }

  /** Resolves when the run's process (or queue entry) ends. */
  whenEnded(run: RunState): Promise<RunEnded> {
    return this.runs.whenEnded(run);
  }

  /** Re-reads every workspace folder's run folders (a file event can be missed); new and changed runs fire onDidChange. */
  async rescan(): Promise<void> {
    await this.ready;
    await this.sync.loadFolders();
  }

  // ------------------------------------------------------------------ launching

  /** Queues a new run in `runsDir` and writes its run.json (status queued) so every view shows it. */
  async enqueue(folder: string, runsDir: string, name: string, req: LaunchRequest): Promise<RunState> {
    this.assertTrusted();
    const dir = path.join(runsDir, name);
    await this.assertNew(dir, name, runsDir);
    const target = await executorFor(req.experiment, vscode.Uri.file(folder));
    if (target.kind === 'slurm') return (await this.slurm.submit(folder, runsDir, [{ name, req }], target))[0];
    const record = queuedRecord(name, req);
    await writeRunRecord(dir, record);
    // Queued before the row is announced, so a view that asks sees it active.
    this.local.enqueue(dir, req);
    const run = this.runs.add(dir, folder, record);
    this.local.pump();
    return run;
  }

  /** Queues a freeze sweep's runs: here one after another, on Slurm as one job array. */
  async enqueueSweep(folder: string, runsDir: string, items: Array<{ name: string; req: LaunchRequest }>): Promise<RunState[]> {
    this.assertTrusted();
    const target = items.length ? await executorFor(items[0].req.experiment, vscode.Uri.file(folder)) : undefined;
    if (target?.kind === 'slurm') {
      for (const { name } of items) await this.assertNew(path.join(runsDir, name), name, runsDir);
      return this.slurm.submit(folder, runsDir, items, target);
    }
    const out: RunState[] = [];
    for (const { name, req } of items) out.push(await this.enqueue(folder, runsDir, name, req));
    return out;
  }

  private async assertNew(dir: string, name: string, runsDir: string): Promise<void> {
    if (
      this.runs.byDir(dir) ||
      (await stat(dir).then(
        () => true,
        () => false,
      ))
    )
      throw new Error(`a run named ${name} already exists in ${runsDir}`);
  }

  /** Queues a stopped or failed run again, continuing from its last checkpoint when it has one. */
  async resume(run: RunState): Promise<void> {
    this.assertTrusted();
    const t = this.runs.tracked(run);
    if (this.isActive(t)) throw new Error(`run ${t.record.name} is ${t.record.status} already`);
    if (t.problem) throw new Error(`run ${t.record.name} cannot be resumed: ${t.problem}`);
    const resume = await hasCheckpoint(t.dir);
    if (!resume && !(await isPlaceholder(t.dir))) {
      throw new Error(
        `run ${t.record.name} has no checkpoint to resume from (${path.join(t.dir, 'weights', 'last')} does not exist: it ended before its first epoch did). Start a new run instead.`,
      );
    }
    const target = await executorFor(t.record.experiment, vscode.Uri.file(t.folder));
    if (target.kind === 'slurm') return this.slurm.resubmit(t, target, resume);
    t.record = { ...t.record, status: 'queued' };
    delete t.record.error;
    delete t.record.endedAt;
    await writeRunRecord(t.dir, t.record);
    const fineTune = t.record.fineTune ? { fineTune: t.record.fineTune } : {};
    this.local.enqueue(t.dir, { experiment: t.record.experiment, freeze: t.record.freeze, sweep: t.record.sweep, resume, ...fineTune });
    this.runs.changed(t);
    this.local.pump();
  }

  /** Adds environment variables to every later launch of an experiment (until disposed). */
  addLaunchEnvironment(provider: (experimentFile: string) => Promise<Record<string, string>>): vscode.Disposable {
    return this.local.addLaunchEnvironment(provider);
  }

  // ------------------------------------------------------------------ stopping and deleting

  /** Stops a run: drops it from the queue, cancels its Slurm job, or ends its whole process tree
   *  (SIGTERM, then SIGKILL after transferLab.stopTimeoutSeconds). */
  async stop(run: RunState): Promise<StopOutcome> {
    this.assertTrusted();
    const t = this.runs.tracked(run);
    if (this.local.cancelQueued(t.dir)) {
      await this.runs.markEnded(t, 'stopped', 'stopped before it started');
      return 'not-running';
    }
    if (this.slurm.isActive(t)) return this.slurm.stop(t);
    return this.local.stop(t);
  }

  async stopAll(): Promise<void> {
    this.assertTrusted();
    // Queued ones first, so none starts while the running ones stop.
    for (const r of this.queued()) await this.stop(r);
    const active = this.runs.values().filter((r) => this.local.attached(r.dir) || this.slurm.isActive(r));
    await Promise.all(active.map((r) => this.stop(r)));
  }

  /** Deletes a run's folder (finished, stopped or failed runs only). */
  async delete(run: RunState): Promise<void> {
    this.assertTrusted();
    const t = this.runs.tracked(run);
    if (this.isActive(t)) throw new Error(`run ${t.record.name} is ${t.record.status}: stop it before deleting it`);
    await rm(t.dir, { recursive: true, force: true });
    await this.runs.forgetChecked(t);
    this.local.forget(t.dir);
    this.runs.untrack(t);
  }

  private assertTrusted(): void {
    if (!vscode.workspace.isTrusted) throw new UntrustedError();
  }

  dispose(): void {
    // Trainers and jobs keep running: the next window re-attaches to them.
    for (const d of this.disposables) d.dispose();
  }
}

export class UntrustedError extends Error {
  constructor() {
    super(
      'This workspace is in Restricted Mode: Transfer Lab starts and stops no training processes until you trust it (Manage Workspace Trust).',
    );
    this.name = 'UntrustedError';
  }
}
