// Keeps the run table in step with the run folders on disk: reads every workspace folder's runs at
// start-up and when folders are added, and re-reads one run folder after file events (coalesced: a
// trainer writes several files at once). The folders stay the source of truth; all access is async.
import * as vscode from 'vscode';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { RunRegistry, Tracked } from './runRegistry';
import type { RunState } from './runState';
import type { RunRecord } from '../../shared/runFolder/contract';
import { DISK_FULL_FILE, METRICS_FILE } from '../../shared/runFolder/contract';
import { listRunDirs, readRunRecord } from '../../shared/runFolder/readRecord';
import { RunFolderError } from '../../shared/runFolder/runFolderError';

export const RUNS_DIR = 'runs';
/** Run folders anywhere in the workspace: the trainer writes them next to the experiment. */
const RUN_FILES_GLOB = `**/${RUNS_DIR}/*/{run.json,${METRICS_FILE},${DISK_FULL_FILE}}`;
const REFRESH_DELAY_MS = 150;

/** What folder sync asks of the rest of the manager. */
export interface FolderSyncHost {
  /** Pid of this window's own trainer for the run folder, while it runs. */
  childPid(dir: string): number | undefined;
  /** Queued, started or followed by this window: a missing folder is not dropped yet. */
  holds(dir: string): boolean;
  /** A run found running that this window does not follow: follow it or settle it. */
  reconcile(run: Tracked): Promise<void>;
  /** The run's folder is gone: drop it. */
  untrack(run: Tracked): void;
}

export class FolderSync implements vscode.Disposable {
  private readonly pendingRefresh = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    private readonly runs: RunRegistry,
    private readonly host: FolderSyncHost,
  ) {}

  watchFolder(folder: vscode.WorkspaceFolder): void {
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
      }, REFRESH_DELAY_MS),
    );
  }

  async loadFolders(): Promise<void> {
    for (const f of vscode.workspace.workspaceFolders ?? []) await this.loadFolder(f.uri.fsPath);
  }

  async loadFolder(folder: string): Promise<void> {
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/${RUNS_DIR}/*/run.json`), '**/node_modules/**');
    const dirs = [...new Set(found.map((u) => path.dirname(u.fsPath)))];
    // The root runs/ is also listed directly, in case the search service misses it.
    dirs.push(...(await listRunDirs(path.join(folder, RUNS_DIR)).catch(() => [] as string[])).filter((d) => !dirs.includes(d)));
    await Promise.all(dirs.map((d) => this.refreshDir(d, folder, false)));
    this.runs.updateHasRuns();
    this.runs.changed(undefined);
  }

  /** Re-reads one run folder (after file events, at load, after a process ends). */
  refreshDir(dir: string, folder: string, reconcile = true): Promise<void> {
    const prev = this.runs.byDir(dir)?.reading ?? Promise.resolve();
    const next = prev.then(() => this.doRefreshDir(dir, folder, reconcile));
    const run = this.runs.byDir(dir);
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
    let run = this.runs.byDir(dir);
    const pid = this.host.childPid(dir);
    if (!record && !problem) {
      // No run.json: the folder was deleted (or never was a run).
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (run && !exists && !this.host.holds(dir)) this.host.untrack(run);
      else if (run) await this.runs.readEpochs(run);
      return;
    }
    if (!run) {
      const sortTime = record?.startedAt
        ? Date.parse(record.startedAt)
        : await stat(path.join(dir, 'run.json')).then(
            (s) => s.mtimeMs,
            () => Date.now(),
          );
      run = this.runs.track(dir, folder, record ?? brokenRecord(dir, problem!), sortTime);
      run.problem = problem;
      await this.runs.readEpochs(run);
      this.runs.updateHasRuns();
      this.runs.changed(undefined);
      if (reconcile && record?.status === 'running' && pid === undefined) await this.host.reconcile(run);
      return;
    }
    if (problem) {
      run.problem = problem;
      this.runs.changed(run);
      return;
    }
    run.problem = undefined;
    // While this window's trainer has not yet written its first record, the folder still holds
    // the queued one written before launch: the in-memory state is newer.
    if (pid !== undefined && record!.status === 'queued') return;
    if (JSON.stringify(record) !== JSON.stringify(run.record)) {
      run.record = pid !== undefined ? { ...record!, pid: record!.pid ?? pid } : record!;
      this.runs.changed(run);
    }
    await this.runs.readEpochs(run);
    if (reconcile && run.record.status === 'running') await this.host.reconcile(run);
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.pendingRefresh.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

/** A row for a folder whose run.json is unreadable, so the user sees it and can delete it. */
function brokenRecord(dir: string, problem: string): RunState['record'] {
  return { name: path.basename(dir), status: 'failed', experiment: '', freeze: 0, error: problem };
}
