// Every run of the workspace, as run folders on disk say and as this window's trainer processes
// report: queues launches (transferLab.maxConcurrentRuns at a time), starts and stops trainers,
// follows runs started before a reload or from a terminal, and keeps each run's epochs by reading
// metrics.jsonl incrementally. The folders stay the source of truth; all file access is async.
import * as vscode from 'vscode';
import { readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { EpochMetrics, ProgressEvent, RunRecord, RunStatus } from '../../shared/runFolder/contract';
import { completedRecord } from '../../shared/runFolder/completedRun';
import { DISK_FULL_FILE, METRICS_FILE, RUN_RECORD_FILE } from '../../shared/runFolder/contract';
import { MetricsTail } from '../../shared/runFolder/metricsTail';
import { listRunDirs, readRunRecord } from '../../shared/runFolder/readRecord';
import { RunFolderError } from '../../shared/runFolder/runFolderError';
import { writeRunRecord } from '../../shared/runFolder/writeRecord';
import { checkRunProcess } from './processIdentity';
import { processRunning, stopProcessTree, StopOutcome } from './processTree';
import { RunLogs } from './runLogs';
import { RunQueue } from './runQueue';
import { readRunsConfig } from './runSettings';
import { resolveNodeRuntime, trainArgs, trainerEnv } from './trainerCommand';
import { TrainerExit, TrainerProcess } from './trainerProcess';
import { SlurmJobs, type SlurmHost } from './slurm/slurmJobs';
import { executorFor } from './slurm/slurmSettings';
import { firstStopSignal, hasYolov5Checkpoint } from './yolov5/stopSignal';
import type { LaunchRequest, RunEnded, RunState } from './runState';

export type { LaunchRequest, RunEnded, RunState } from './runState';

export const RUNS_DIR = 'runs';
/** Run folders anywhere in the workspace: the trainer writes them next to the experiment. */
const RUN_FILES_GLOB = `**/${RUNS_DIR}/*/{run.json,${METRICS_FILE},${DISK_FULL_FILE}}`;

/** Where runs of an experiment go, as the trainer decides by default: `runs/` beside the file. */
export function runsDirOf(experimentFile: string): string {
  return path.join(path.dirname(experimentFile), RUNS_DIR);
}
const UNCHECKED_KEY = 'transferLab.runs.unchecked';
const FOLLOW_POLL_MS = 2_000;

export interface EpochsAppended {
  run: RunState;
  epochs: EpochMetrics[];
  /** metrics.jsonl started over (rewritten): `epochs` is the whole series. */
  restarted: boolean;
}

interface Tracked extends RunState {
  tail: MetricsTail;
  process?: TrainerProcess;
  followTimer?: ReturnType<typeof setInterval>;
  endEvent?: Extract<ProgressEvent, { type: 'end' }>;
  stderrTail: string[];
  /** A disk read in flight; later reads wait for it so records are applied in order. */
  reading?: Promise<void>;
}

export class RunsManager implements vscode.Disposable {
  private readonly runs = new Map<string, Tracked>();
  private readonly queue = new RunQueue<LaunchRequest>();
  private readonly unchecked: Set<string>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pendingRefresh = new Map<string, ReturnType<typeof setTimeout>>();
  private disposed = false;
  private lastQueuedAt = 0;
  /** The executor seam: runs that execute as Slurm jobs are submitted, followed by job id and
   *  cancelled by SlurmJobs; the rest of this class is the local-process executor. */
  readonly slurm: SlurmJobs;
  /** Extra environment for a launch, from the features that need it (a YOLOv5 run's Python). */
  private readonly launchEnvironments = new Set<(experimentFile: string) => Promise<Record<string, string>>>();

  private readonly _onDidChange = new vscode.EventEmitter<RunState | undefined>();
  /** A run changed (record, progress), or with undefined: runs were added or removed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidAppendEpochs = new vscode.EventEmitter<EpochsAppended>();
  readonly onDidAppendEpochs = this._onDidAppendEpochs.event;
  private readonly _onDidRemove = new vscode.EventEmitter<RunState>();
  readonly onDidRemove = this._onDidRemove.event;
  private readonly _onDidEnd = new vscode.EventEmitter<RunEnded>();
  /** A process ended (finished, stopped or failed) or a run was marked ended. */
  readonly onDidEnd = this._onDidEnd.event;
  private readonly _onDidChangeChecked = new vscode.EventEmitter<void>();
  readonly onDidChangeChecked = this._onDidChangeChecked.event;

  /** Resolves once the run folders present at start-up are read and reconciled. */
  readonly ready: Promise<void>;

  constructor(
    private readonly trainerScript: string,
    private readonly state: vscode.Memento,
    readonly logs: RunLogs,
  ) {
    this.unchecked = new Set(state.get<string[]>(UNCHECKED_KEY, []));
    this.disposables.push(this._onDidChange, this._onDidAppendEpochs, this._onDidRemove, this._onDidEnd, this._onDidChangeChecked);
    this.slurm = new SlurmJobs(this.slurmHost());
    this.disposables.push(this.slurm);
    for (const folder of vscode.workspace.workspaceFolders ?? []) this.watchFolder(folder);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.added) {
          this.watchFolder(f);
          void this.loadFolder(f.uri.fsPath);
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('transferLab.maxConcurrentRuns')) this.pump();
      }),
      // Outcomes seen read-only while restricted are written, and queued runs start, once trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.load()),
    );
    this.ready = this.load();
  }

  // ------------------------------------------------------------------ observation

  /** Every run, newest first. */
  list(): RunState[] {
    return [...this.runs.values()].sort((a, b) => b.sortTime - a.sortTime || a.record.name.localeCompare(b.record.name));
  }

  /** By folder path, or by run name (first match across workspace folders). */
  get(dirOrName: string): RunState | undefined {
    return this.runs.get(dirOrName) ?? [...this.runs.values()].find((r) => r.record.name === dirOrName);
  }

  /** Runs queued in this window, in launch order. */
  queued(): RunState[] {
    return this.queue.waitingNames.map((d) => this.runs.get(d)).filter((r): r is Tracked => r !== undefined);
  }

  isActive(run: RunState): boolean {
    return this.queue.has(run.dir) || (run as Tracked).process !== undefined || (run as Tracked).followTimer !== undefined || this.slurm.isFollowing(run.dir);
  }

  /** Pid of the trainer this window started for the run, while it runs. */
  childPid(run: RunState): number | undefined {
    return (run as Tracked).process?.pid;
  }

  isChecked(run: RunState): boolean {
    return !this.unchecked.has(run.dir);
  }

  async setChecked(runs: readonly RunState[], checked: boolean): Promise<void> {
    for (const r of runs) {
      if (checked) this.unchecked.delete(r.dir);
      else this.unchecked.add(r.dir);
    }
    await this.state.update(UNCHECKED_KEY, [...this.unchecked]);
    this._onDidChangeChecked.fire();
  }

  /** Resolves when the run's process (or queue entry) ends. */
  whenEnded(run: RunState): Promise<RunEnded> {
    return new Promise((resolve) => {
      const sub = this.onDidEnd((e) => {
        if (e.run.dir === run.dir) {
          sub.dispose();
          resolve(e);
        }
      });
    });
  }

  // ------------------------------------------------------------------ loading and following

  private watchFolder(folder: vscode.WorkspaceFolder): void {
    const files = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, RUN_FILES_GLOB));
    const dirs = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `**/${RUNS_DIR}/*`), true, true, false);
    const onFile = (uri: vscode.Uri) => this.scheduleRefresh(path.dirname(uri.fsPath), folder.uri.fsPath);
    this.disposables.push(
      files,
      dirs,
      files.onDidCreate(onFile),
      files.onDidChange(onFile),
      files.onDidDelete(onFile),
      dirs.onDidDelete((uri) => {
        this.scheduleRefresh(uri.fsPath, folder.uri.fsPath);
        // A whole runs/ folder removed: every run under it.
        for (const r of this.runs.values()) if (r.dir.startsWith(uri.fsPath + path.sep)) this.scheduleRefresh(r.dir, r.folder);
      }),
    );
  }

  /** Coalesces bursts of file events for one run folder (the trainer writes several files). */
  private scheduleRefresh(dir: string, folder: string): void {
    clearTimeout(this.pendingRefresh.get(dir));
    this.pendingRefresh.set(
      dir,
      setTimeout(() => {
        this.pendingRefresh.delete(dir);
        void this.refreshDir(dir, folder);
      }, 150),
    );
  }

  /** Re-reads every workspace folder's run folders (a file event can be missed); new and changed runs fire onDidChange. */
  async rescan(): Promise<void> {
    await this.ready;
    await this.loadFolders();
  }

  private async load(): Promise<void> {
    await this.loadFolders();
    await this.reconcileAll();
  }

  private async loadFolders(): Promise<void> {
    for (const f of vscode.workspace.workspaceFolders ?? []) await this.loadFolder(f.uri.fsPath);
  }

  private async loadFolder(folder: string): Promise<void> {
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/${RUNS_DIR}/*/run.json`), '**/node_modules/**');
    const dirs = [...new Set(found.map((u) => path.dirname(u.fsPath)))];
    // The root runs/ is also listed directly, in case the search service misses it.
    dirs.push(...(await listRunDirs(path.join(folder, RUNS_DIR)).catch(() => [] as string[])).filter((d) => !dirs.includes(d)));
    await Promise.all(dirs.map((d) => this.refreshDir(d, folder, false)));
    this.updateHasRuns();
    this._onDidChange.fire(undefined);
  }

  /** Runs found on disk that no process of this window owns: follow live ones, mark dead ones
   *  failed, and (trusted workspaces only) queue again what an earlier window had queued. */
  private async reconcileAll(): Promise<void> {
    const queuedOnDisk: Tracked[] = [];
    for (const run of this.runs.values()) {
      if (run.process || this.queue.has(run.dir)) continue;
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
      this.queue.enqueue(run.dir, { experiment: run.record.experiment, freeze: run.record.freeze, sweep: run.record.sweep, resume: await hasCheckpoint(run.dir) });
    }
    this.pump();
  }

  private async reconcileRunning(run: Tracked, whileWhat: string): Promise<void> {
    if (run.followTimer || run.process) return;
    if (this.slurm.owns(run)) {
      this.slurm.follow(run); // a job on some node: followed by job id, not pid
      return;
    }
    const pid = run.record.pid;
    const check = pid === undefined ? { state: 'dead' as const } : await checkRunProcess({ pid, name: run.record.name, pidStartTime: run.record.pidStartTime });
    if (check.state === 'alive') {
      this.follow(run);
      return;
    }
    // The trainer may have recorded its end between our read and its exit: that record wins.
    const latest = await readRunRecord(run.dir).catch(() => undefined);
    if (latest && latest.status !== 'running') {
      run.record = latest;
      this._onDidChange.fire(run);
      return;
    }
    if (await this.settleCompleted(run, latest ?? run.record)) return;
    const why =
      pid === undefined
        ? 'run.json says running but names no process'
        : check.state === 'reused'
          ? `process ${pid} ended while ${whileWhat} (${check.why})`
          : `process ${pid} ended while ${whileWhat}`;
    await this.markEnded(run, 'failed', why);
  }

  /** Follows a live trainer this window did not start: by pid, polling, plus file events. */
  private follow(run: Tracked): void {
    run.attachment = 'pid';
    this.queue.adopt(run.dir);
    run.followTimer = setInterval(() => void this.pollFollowed(run), FOLLOW_POLL_MS);
    this._onDidChange.fire(run);
  }

  private async pollFollowed(run: Tracked): Promise<void> {
    await this.readEpochs(run);
    await this.logs.catchUp(run.dir);
    const pid = run.record.pid;
    if (pid !== undefined && (await processRunning(pid))) return;
    await this.followedEnded(run);
  }

  private async followedEnded(run: Tracked): Promise<void> {
    if (!run.followTimer) return;
    clearInterval(run.followTimer);
    run.followTimer = undefined;
    run.attachment = undefined;
    this.queue.finished(run.dir);
    await this.refreshDir(run.dir, run.folder, false);
    await this.readEpochs(run);
    if (run.record.status === 'running') {
      if (await this.settleCompleted(run, run.record)) return this.afterFollowedEnd(run);
      if (run.stopping) await this.markEnded(run, 'stopped', `stopped from the editor (process ${run.record.pid} did not record it)`);
      else await this.markEnded(run, 'failed', `process ${run.record.pid} ended without recording how the run ended; see train.log`);
    } else {
      this._onDidEnd.fire({ run, status: run.record.status, message: run.record.error });
    }
    this.afterFollowedEnd(run);
  }

  private afterFollowedEnd(run: Tracked): void {
    run.stopping = false;
    this._onDidChange.fire(run);
    this.pump();
  }

  /** Re-reads one run folder (after file events, at load, after a process ends). */
  private refreshDir(dir: string, folder: string, reconcile = true): Promise<void> {
    const prev = this.runs.get(dir)?.reading ?? Promise.resolve();
    const next = prev.then(() => this.doRefreshDir(dir, folder, reconcile));
    const run = this.runs.get(dir);
    if (run) run.reading = next.catch(() => undefined);
    return next;
  }

  private async doRefreshDir(dir: string, folder: string, reconcile: boolean): Promise<void> {
    if (this.disposed) return;
    let record: RunRecord | undefined;
    let problem: string | undefined;
    try {
      record = await readRunRecord(dir);
    } catch (e) {
      problem = e instanceof RunFolderError ? e.message : String(e);
    }
    let run = this.runs.get(dir);
    if (!record && !problem) {
      // No run.json: the folder was deleted (or never was a run).
      const exists = await stat(dir).then(() => true, () => false);
      if (run && !exists && !run.process && !this.queue.has(dir)) this.untrack(run);
      else if (run) await this.readEpochs(run);
      return;
    }
    if (!run) {
      const sortTime = record?.startedAt ? Date.parse(record.startedAt) : await stat(path.join(dir, 'run.json')).then((s) => s.mtimeMs, () => Date.now());
      run = this.track(dir, folder, record ?? brokenRecord(dir, problem!), sortTime);
      run.problem = problem;
      await this.readEpochs(run);
      this.updateHasRuns();
      this._onDidChange.fire(undefined);
      if (reconcile && record?.status === 'running' && !run.process) await this.reconcileRunning(run, 'this window was not following it');
      return;
    }
    if (problem) {
      run.problem = problem;
      this._onDidChange.fire(run);
      return;
    }
    run.problem = undefined;
    // While this window's trainer has not yet written its first record, the folder still holds
    // the queued one written before launch: the in-memory state is newer.
    if (run.process && record!.status === 'queued') return;
    if (JSON.stringify(record) !== JSON.stringify(run.record)) {
      run.record = run.process ? { ...record!, pid: record!.pid ?? run.process.pid } : record!;
      this._onDidChange.fire(run);
    }
    await this.readEpochs(run);
    if (reconcile && run.record.status === 'running' && !run.process && !run.followTimer) {
      await this.reconcileRunning(run, 'this window was not following it');
    }
  }

  private track(dir: string, folder: string, record: RunRecord, sortTime: number): Tracked {
    const run: Tracked = {
      dir,
      folder,
      record,
      epochs: [],
      generation: 0,
      stopping: false,
      sortTime: Number.isFinite(sortTime) ? sortTime : Date.now(),
      tail: new MetricsTail(path.join(dir, METRICS_FILE)),
      stderrTail: [],
    };
    this.runs.set(dir, run);
    return run;
  }

  private untrack(run: Tracked): void {
    if (run.followTimer) clearInterval(run.followTimer);
    this.runs.delete(run.dir);
    this.logs.remove(run.dir);
    this.updateHasRuns();
    this._onDidRemove.fire(run);
    this._onDidChange.fire(undefined);
  }

  /** Reads what metrics.jsonl gained since the last read. */
  private async readEpochs(run: Tracked): Promise<void> {
    const gen = run.tail.generation;
    let rows: EpochMetrics[];
    try {
      rows = await run.tail.readNew();
    } catch {
      return; // unreadable now; the next event tries again
    }
    const restarted = run.tail.generation !== gen;
    if (restarted) {
      run.epochs = [];
      run.generation++;
    }
    if (rows.length === 0 && !restarted) return;
    run.epochs.push(...rows);
    this._onDidAppendEpochs.fire({ run, epochs: restarted ? run.epochs.slice() : rows, restarted });
    this._onDidChange.fire(run);
  }

  private updateHasRuns(): void {
    void vscode.commands.executeCommand('setContext', 'transferLab.hasRuns', this.runs.size > 0);
  }

  // ------------------------------------------------------------------ launching

  /** Queues a new run in `runsDir` and writes its run.json (status queued) so every view shows it. */
  async enqueue(folder: string, runsDir: string, name: string, req: LaunchRequest): Promise<RunState> {
    this.assertTrusted();
    const dir = path.join(runsDir, name);
    if (this.runs.has(dir) || (await stat(dir).then(() => true, () => false))) {
      throw new Error(`a run named ${name} already exists in ${runsDir}`);
    }
    const target = await executorFor(req.experiment, vscode.Uri.file(folder));
    if (target.kind === 'slurm') return (await this.slurm.submit(folder, runsDir, [{ name, req }], target))[0];
    const record: RunRecord = { name, status: 'queued', experiment: req.experiment, freeze: req.freeze, ...(req.sweep ? { sweep: req.sweep } : {}) };
    await writeRunRecord(dir, record);
    // Strictly increasing, so runs queued in one go keep their order in the view.
    this.lastQueuedAt = Math.max(Date.now(), this.lastQueuedAt + 1);
    const run = this.runs.get(dir) ?? this.track(dir, folder, record, this.lastQueuedAt);
    run.record = record;
    run.sortTime = this.lastQueuedAt;
    this.queue.enqueue(dir, req);
    this.updateHasRuns();
    this._onDidChange.fire(undefined);
    this.pump();
    return run;
  }

  /** Queues a freeze sweep's runs: here one after another, on Slurm as one job array. */
  async enqueueSweep(folder: string, runsDir: string, items: Array<{ name: string; req: LaunchRequest }>): Promise<RunState[]> {
    this.assertTrusted();
    const target = items.length ? await executorFor(items[0].req.experiment, vscode.Uri.file(folder)) : undefined;
    if (target?.kind === 'slurm') {
      for (const { name } of items) {
        const dir = path.join(runsDir, name);
        if (this.runs.has(dir) || (await stat(dir).then(() => true, () => false))) throw new Error(`a run named ${name} already exists in ${runsDir}`);
      }
      return this.slurm.submit(folder, runsDir, items, target);
    }
    const out: RunState[] = [];
    for (const { name, req } of items) out.push(await this.enqueue(folder, runsDir, name, req));
    return out;
  }

  /** Queues a stopped or failed run again, continuing from its last checkpoint when it has one. */
  async resume(run: RunState): Promise<void> {
    this.assertTrusted();
    const t = this.tracked(run);
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
    t.record = { ...t.record, status: 'queued', error: undefined, endedAt: undefined };
    delete t.record.error;
    delete t.record.endedAt;
    await writeRunRecord(t.dir, t.record);
    this.queue.enqueue(t.dir, { experiment: t.record.experiment, freeze: t.record.freeze, sweep: t.record.sweep, resume });
    this._onDidChange.fire(t);
    this.pump();
  }

  /** Starts queued runs while fewer than transferLab.maxConcurrentRuns are running; a run that
   *  waits for another (its pretraining) starts after that one finished, or fails with it. */
  private pump(): void {
    if (this.disposed || !vscode.workspace.isTrusted) return;
    for (const name of this.queue.waitingNames) {
      const run = this.runs.get(name);
      const job = this.queue.jobOf(name);
      const dep = job?.after ? this.runs.get(job.after) : undefined;
      if (!run || !job?.after) continue;
      const depStatus = dep?.record.status;
      if (dep && (depStatus === 'queued' || depStatus === 'running' || this.isActive(dep))) continue;
      if (depStatus !== 'finished') {
        this.queue.cancel(name);
        void this.markEnded(run, 'failed', `it starts from the weights of run ${path.basename(job.after)}, which ${dep ? `ended ${depStatus}` : 'was deleted'}; resume or re-run that one first`);
      }
    }
    const ready = (e: { job: LaunchRequest }) => {
      if (!e.job.after) return true;
      return this.runs.get(e.job.after)?.record.status === 'finished' && !this.isActive(this.runs.get(e.job.after)!);
    };
    for (const entry of this.queue.take(readRunsConfig().maxConcurrentRuns, ready)) {
      const run = this.runs.get(entry.name);
      if (!run) {
        this.queue.finished(entry.name);
        continue;
      }
      this.launch(run, entry.job).catch((e) => void this.launchFailed(run, e instanceof Error ? e.message : String(e)));
    }
  }

  private async launchFailed(run: Tracked, message: string): Promise<void> {
    run.process = undefined;
    this.queue.finished(run.dir);
    this.logs.note(run.dir, run.record.name, message, 'error');
    await this.markEnded(run, 'failed', message);
    this.pump();
  }

  /** Adds environment variables to every later launch of an experiment (until disposed). */
  addLaunchEnvironment(provider: (experimentFile: string) => Promise<Record<string, string>>): vscode.Disposable {
    this.launchEnvironments.add(provider);
    return new vscode.Disposable(() => this.launchEnvironments.delete(provider));
  }

  private async launch(run: Tracked, req: LaunchRequest): Promise<void> {
    const config = readRunsConfig(vscode.Uri.file(run.folder));
    const runtime = await resolveNodeRuntime(config.nodePath);
    const extraEnv: Record<string, string> = {};
    for (const provide of this.launchEnvironments) Object.assign(extraEnv, await provide(req.experiment));
    const args = trainArgs(
      { trainerScript: this.trainerScript, experiment: req.experiment, name: run.record.name, runsDir: path.dirname(run.dir), freeze: req.freeze, sweep: req.sweep, resume: req.resume },
      config,
    );
    // The trainer creates a new run's folder itself and refuses an existing one: the placeholder
    // that showed the run while it was queued goes first.
    if (!req.resume) {
      if (!(await isPlaceholder(run.dir))) throw new Error(`${run.dir} already holds a run; delete it or resume it`);
      await rm(run.dir, { recursive: true, force: true });
    }
    run.endEvent = undefined;
    run.stderrTail = [];
    run.stopping = false;
    run.batch = undefined;
    this.logs.attach(run.dir, run.record.name, `${req.resume ? 'resuming' : 'starting'}: ${runtime.command} ${args.join(' ')}  (cwd ${run.folder}, Node from ${runtime.source})`);
    const proc = new TrainerProcess(
      { command: runtime.command, args, cwd: run.folder, env: { ...trainerEnv(runtime, config), ...extraEnv } },
      {
        onEvent: (e) => this.onTrainerEvent(run, e),
        onText: (line, stream) => {
          this.logs.text(run.dir, run.record.name, line, stream);
          if (stream === 'stderr') {
            run.stderrTail.push(line);
            if (run.stderrTail.length > 20) run.stderrTail.shift();
          }
        },
        onExit: (result) => void this.onTrainerExit(run, proc, result),
      },
    );
    run.process = proc;
    run.attachment = 'child';
    run.record = { ...run.record, status: 'running', pid: proc.pid, startedAt: run.record.startedAt && req.resume ? run.record.startedAt : new Date().toISOString() };
    run.epochStartedAt = Date.now();
    this._onDidChange.fire(run);
  }

  private onTrainerEvent(run: Tracked, e: ProgressEvent): void {
    this.logs.event(run.dir, run.record.name, e);
    switch (e.type) {
      case 'start':
        run.record = { ...run.record, engine: e.engine, device: e.device, epochs: e.epochs, trainableParams: e.trainableParams, totalParams: e.totalParams };
        run.epochStartedAt = Date.now();
        break;
      case 'batch':
        run.batch = { epoch: e.epoch, done: e.batch, of: e.batches };
        break;
      case 'epoch': {
        const acc = e.metrics['val/accuracy'];
        const best = run.record.bestAccuracy;
        run.record = { ...run.record, bestAccuracy: best === undefined || acc > best ? acc : best };
        run.batch = undefined;
        run.epochStartedAt = Date.now();
        void this.readEpochs(run);
        break;
      }
      case 'end':
        run.endEvent = e;
        break;
      case 'log':
        break;
    }
    this._onDidChange.fire(run);
  }

  private async onTrainerExit(run: Tracked, proc: TrainerProcess, result: TrainerExit): Promise<void> {
    if (run.process !== proc) return;
    run.process = undefined;
    run.attachment = undefined;
    run.batch = undefined;
    this.queue.finished(run.dir);
    await this.logs.detach(run.dir);
    let disk: RunRecord | undefined;
    try {
      disk = await readRunRecord(run.dir);
    } catch {
      disk = undefined;
    }
    await this.readEpochs(run);
    const how = result.error
      ? `could not start the trainer: ${result.error.message}`
      : result.signal
        ? `killed by ${result.signal}`
        : `exit code ${result.code}`;
    if (disk && disk.status !== 'running' && disk.status !== 'queued') {
      // The trainer recorded how it ended.
      run.record = disk;
      const message = disk.status === 'failed' ? disk.error ?? run.endEvent?.error ?? this.stderrMessage(run) ?? how : undefined;
      this.logs.note(run.dir, run.record.name, `process ended (${how}); run ${disk.status}`);
      this._onDidEnd.fire({ run, status: disk.status, message });
    } else if (disk && (await this.settleCompleted(run, disk))) {
      // killed after saving its last epoch: settled as finished
    } else if (run.stopping) {
      await this.markEnded(run, 'stopped', result.signal === 'SIGKILL' ? `killed after transferLab.stopTimeoutSeconds without recording a checkpoint (${how})` : undefined);
    } else if (result.code === 0 && run.endEvent && run.endEvent.status !== 'running') {
      await this.markEnded(run, run.endEvent.status, run.endEvent.error);
    } else if (result.error) {
      await this.markEnded(run, 'failed', `${how}. Check the transferLab.nodePath setting (empty: node on PATH).`);
    } else {
      const message = run.endEvent?.error ?? this.stderrMessage(run) ?? `the trainer ended (${how}) without recording an outcome`;
      await this.markEnded(run, 'failed', message);
    }
    run.stopping = false;
    this._onDidChange.fire(run);
    this.pump();
  }

  /** The trainer's last words on stderr (its error message when it fails before reporting). */
  private stderrMessage(run: Tracked): string | undefined {
    const lines = run.stderrTail.map((l) => l.trim()).filter((l) => l.length > 0 && !/^\s*at\s/.test(l));
    return lines.length > 0 ? lines.slice(-3).join(' ') : undefined;
  }

  /** A trainer that died after saving its last epoch, before recording that: the run is finished
   *  (shared/runFolder/completedRun.ts), not failed. False for any other run. */
  private async settleCompleted(run: Tracked, record: RunRecord): Promise<boolean> {
    const done = await completedRecord(run.dir, record).catch(() => undefined);
    if (!done) return false;
    run.record = done;
    this.logs.note(run.dir, done.name, `process ${record.pid ?? '?'} ended after saving its last epoch (${done.epochsDone}) but before recording that the run finished: marked finished`);
    await this.markEnded(run, 'finished', undefined, done.endedAt);
    return true;
  }

  /** Records an outcome the trainer could not write itself, and announces it. */
  private async markEnded(run: Tracked, status: RunStatus, message?: string, endedAt = new Date().toISOString()): Promise<void> {
    run.record = { ...run.record, status, endedAt, ...(message ? { error: message } : {}) };
    if (!message) delete run.record.error;
    if (message) this.logs.note(run.dir, run.record.name, `${status}: ${message}`, status === 'failed' ? 'error' : 'info');
    // A restricted workspace stays read-only: the outcome shows, but nothing is written.
    if (vscode.workspace.isTrusted && !run.problem) {
      try {
        await writeRunRecord(run.dir, run.record);
      } catch (e) {
        this.logs.note(run.dir, run.record.name, `could not update run.json: ${(e as Error).message}`, 'error');
      }
    }
    this._onDidChange.fire(run);
    this._onDidEnd.fire({ run, status, message });
  }

  // ------------------------------------------------------------------ stopping and deleting

  /** Stops a run: drops it from the queue, or ends its whole process tree (SIGTERM, then
   *  SIGKILL after transferLab.stopTimeoutSeconds). */
  async stop(run: RunState): Promise<StopOutcome> {
    this.assertTrusted();
    const t = this.tracked(run);
    if (this.queue.cancel(t.dir)) {
      await this.markEnded(t, 'stopped', 'stopped before it started');
      return 'not-running';
    }
    if (this.slurm.isFollowing(t.dir)) return this.slurm.cancel(t);
    const graceMs = readRunsConfig(vscode.Uri.file(t.folder)).stopTimeoutSeconds * 1000;
    if (t.process?.pid !== undefined) {
      t.stopping = true;
      this._onDidChange.fire(t);
      const signal = firstStopSignal(t.record);
      this.logs.note(t.dir, t.record.name, `stopping: ${signal} to process group ${t.process.pid}, SIGKILL after ${graceMs / 1000} s`);
      return stopProcessTree(t.process.pid, graceMs, signal);
    }
    if (t.followTimer && t.record.pid !== undefined) {
      const check = await checkRunProcess({ pid: t.record.pid, name: t.record.name, pidStartTime: t.record.pidStartTime });
      if (check.state !== 'alive') {
        await this.followedEnded(t);
        return 'not-running';
      }
      t.stopping = true;
      this._onDidChange.fire(t);
      const outcome = await stopProcessTree(t.record.pid, graceMs, firstStopSignal(t.record));
      await this.followedEnded(t);
      return outcome;
    }
    return 'not-running';
  }

  async stopAll(): Promise<void> {
    this.assertTrusted();
    // Queued ones first, so none starts while the running ones stop.
    for (const r of this.queued()) await this.stop(r);
    const active = [...this.runs.values()].filter((r) => r.process || r.followTimer || this.slurm.isFollowing(r.dir));
    await Promise.all(active.map((r) => this.stop(r)));
  }

  /** Deletes a run's folder (finished, stopped or failed runs only). */
  async delete(run: RunState): Promise<void> {
    this.assertTrusted();
    const t = this.tracked(run);
    if (this.isActive(t)) throw new Error(`run ${t.record.name} is ${t.record.status}: stop it before deleting it`);
    await rm(t.dir, { recursive: true, force: true });
    this.unchecked.delete(t.dir);
    await this.state.update(UNCHECKED_KEY, [...this.unchecked]);
    this.untrack(t);
  }

  private tracked(run: RunState): Tracked {
    const t = this.runs.get(run.dir);
    if (!t) throw new Error(`run ${run.record.name} is no longer in ${path.dirname(run.dir)}`);
    return t;
  }

  private assertTrusted(): void {
    if (!vscode.workspace.isTrusted) throw new UntrustedError();
  }

  /** What SlurmJobs may do with this manager's runs (see the `slurm` field). */
  private slurmHost(): SlurmHost {
    return {
      logs: this.logs,
      trainerScript: this.trainerScript,
      add: (dir, folder, record) => {
        this.lastQueuedAt = Math.max(Date.now(), this.lastQueuedAt + 1);
        const run = this.runs.get(dir) ?? this.track(dir, folder, record, this.lastQueuedAt);
        run.record = record;
        run.sortTime = this.lastQueuedAt;
        this.updateHasRuns();
        this._onDidChange.fire(undefined);
        return run;
      },
      get: (dir) => this.runs.get(dir),
      changed: (run) => this._onDidChange.fire(run),
      event: (run, e) => this.onTrainerEvent(run as Tracked, e),
      readEpochs: (run) => this.readEpochs(run as Tracked),
      markEnded: (run, status, message) => this.markEnded(run as Tracked, status, message),
      ended: (run, status, message) => {
        this._onDidEnd.fire({ run, status, message });
        this.pump();
      },
      whenEnded: (run) => this.whenEnded(run),
      isActive: (run) => this.isActive(run),
      engine: (folder) => readRunsConfig(vscode.Uri.file(folder)).engine,
      trusted: () => vscode.workspace.isTrusted,
    };
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.pendingRefresh.values()) clearTimeout(t);
    for (const r of this.runs.values()) if (r.followTimer) clearInterval(r.followTimer);
    // Trainers keep running: the next window re-attaches to them by pid.
    for (const d of this.disposables) d.dispose();
  }
}

export class UntrustedError extends Error {
  constructor() {
    super('This workspace is in Restricted Mode: Transfer Lab starts and stops no training processes until you trust it (Manage Workspace Trust).');
    this.name = 'UntrustedError';
  }
}

async function hasCheckpoint(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'weights', 'last', 'model.json')).then(() => true, () => hasYolov5Checkpoint(dir));
}

/** A folder holding only the queued run.json this host wrote (nothing trained yet). */
async function isPlaceholder(dir: string): Promise<boolean> {
  const files = await readdir(dir).catch(() => [] as string[]);
  // A Slurm submission's script and output files do not count as training.
  if (files.some((f) => f !== RUN_RECORD_FILE && !f.endsWith('.tmp') && !/^slurm-.*\.(out|sh)$/.test(f))) return false;
  const record = await readRunRecord(dir).catch(() => undefined);
  return record === undefined || record.status === 'queued' || (record.status === 'stopped' && !record.startedAt);
}

/** A row for a folder whose run.json is unreadable, so the user sees it and can delete it. */
function brokenRecord(dir: string, problem: string): RunRecord {
  return { name: path.basename(dir), status: 'failed', experiment: '', freeze: 0, error: problem };
}
