// A RunsSource over `<workspace folder>/runs/*/`: file watchers (debounced) trigger a rescan that
// reads only new metrics lines, so the comparison panel works on finished and live runs without the
// Runs capability. While a run is queued or running, a slow poll backs the watchers up (remote and
// network file systems may not report appends).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EpochMetrics } from '../shared/runs/contract';
import { RunFolderScanner } from './runFolderScanner';
import type { EpochsAppended, RunEntry, RunsSource } from './runsSource';

export interface FolderRunsSourceOptions {
  /** Folders holding run folders; default: `runs/` in every workspace folder. */
  runsDirs?: string[];
  /** Quiet time after a file event before rescanning (ms). */
  debounceMs?: number;
  /** Poll interval while a run is active (ms); 0 disables polling. */
  pollMs?: number;
  /** Where problems in run folders are reported (default: console). */
  log?: (message: string) => void;
}

export class FolderRunsSource implements RunsSource, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly appendEmitter = new vscode.EventEmitter<EpochsAppended>();
  readonly onDidChange = this.changeEmitter.event;
  readonly onDidAppendEpochs = this.appendEmitter.event;
  /** Resolves after the first scan. */
  readonly ready: Promise<void>;

  private readonly scanner: RunFolderScanner;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter, this.appendEmitter];
  private watchers: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: FolderRunsSourceOptions = {}) {
    this.debounceMs = options.debounceMs ?? 150;
    this.pollMs = options.pollMs ?? 2000;
    this.log = options.log ?? ((m) => console.warn(`[transfer-lab] ${m}`));
    this.scanner = new RunFolderScanner(() => this.runsDirs());
    this.watch();
    if (!options.runsDirs) this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => (this.watch(), this.schedule())));
    this.ready = this.rescan();
  }

  private runsDirs(): string[] {
    if (this.options.runsDirs) return this.options.runsDirs;
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => path.join(f.uri.fsPath, 'runs'));
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    const patterns = this.options.runsDirs
      ? this.options.runsDirs.map((d) => new vscode.RelativePattern(vscode.Uri.file(d), '**'))
      : (vscode.workspace.workspaceFolders ?? []).map((f) => new vscode.RelativePattern(f, 'runs/**'));
    for (const p of patterns) {
      const w = vscode.workspace.createFileSystemWatcher(p);
      const kick = () => this.schedule();
      this.watchers.push(w, w.onDidCreate(kick), w.onDidChange(kick), w.onDidDelete(kick));
    }
  }

  /** At most one scan per debounce interval, however many events arrive. */
  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rescan();
    }, this.debounceMs);
  }

  /** Scans now; fires onDidChange before the appends so listeners see new runs first. */
  async rescan(): Promise<void> {
    if (this.disposed) return;
    try {
      const result = await this.scanner.scan();
      if (this.disposed) return;
      for (const p of result.problems) this.log(p);
      if (result.changed) this.changeEmitter.fire();
      for (const a of result.appended) this.appendEmitter.fire(a);
    } catch (e) {
      this.log(`reading run folders failed: ${(e as Error).message}`);
    }
    this.updatePolling();
  }

  private updatePolling(): void {
    const active = this.scanner.entries().some((r) => r.record.status === 'running' || r.record.status === 'queued');
    if (active && !this.poll && this.pollMs > 0 && !this.disposed) {
      this.poll = setInterval(() => void this.rescan(), this.pollMs);
    } else if (!active && this.poll) {
      clearInterval(this.poll);
      this.poll = undefined;
    }
  }

  refresh(): Promise<void> {
    return this.rescan();
  }

  listRuns(): RunEntry[] {
    return this.scanner.entries();
  }

  selectedForComparison(): string[] {
    // Folders have no selection: the panel shows every run (the user hides some in the panel).
    return [];
  }

  async readEpochs(run: string): Promise<EpochMetrics[]> {
    await this.ready;
    return this.scanner.epochs(run) ?? [];
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
  }
}
