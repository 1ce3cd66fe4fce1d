// The comparison panel's host side: one webview panel beside the editor, fed from a RunsSource.
// The host keeps each run's columns, answers the webview's `ready` with everything (`init`), then
// forwards only increments. The webview is not retained when hidden; showing it again reloads it,
// and its `ready` brings a fresh `init`. Every received message is validated before use.
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  webviewMessageProblem,
  type HostMessage,
  type RunInfo,
  type ThemeKind,
  type WebviewMessage,
} from '../../shared/panel/contract';
import { RunColorBook } from './palette';
import { appendEpochs, emptyColumns, lastEpoch, toColumns, type SeriesColumns } from '../../shared/panel/series';
import type { EpochMetrics } from '../../shared/runFolder/contract';
import { EXPORT_FILTERS, exportBytes, exportFileName } from './exportFile';
import { buildPanelHtml, makeNonce, panelAssetUris } from './panelHtml';
import type { RunEntry, RunsSource } from './runsSource';

export const COMPARISON_VIEW_TYPE = 'transferLab.comparison';
const BASELINE_KEY = 'transferLab.comparison.baseline';
const LOG_LIMIT = 200;

export interface LoggedMessage {
  direction: 'sent' | 'received';
  message: unknown;
  /** Why a received message was rejected. */
  problem?: string;
  at: number;
}

export interface PanelOptions {
  /** Where the panel reports problems (a webview error, a rejected message, a failed export). */
  log?: (message: string) => void;
  /** Run colours, shared with the Runs view so both show a run in one colour (default: the panel's own). */
  colors?: RunColorBook;
}

interface HostRun {
  entry: RunEntry;
  info: RunInfo;
  /** undefined while the run's epochs are being read. */
  cols: SeriesColumns | undefined;
  loading: Promise<void> | undefined;
  /** Appends that arrived while loading. */
  pending: EpochMetrics[];
}

function themeKind(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

function generationOf(e: RunEntry): string {
  return `${e.record.startedAt ?? ''}#${e.generation ?? 0}`;
}

export class ComparisonPanel implements vscode.Disposable {
  /** The open panel, if any (one at a time). */
  static current: ComparisonPanel | undefined;

  /** Test hook: the last messages sent to and received from the webview (oldest first). */
  readonly messageLog: LoggedMessage[] = [];

  private ready = false;
  private runs = new Map<string, HostRun>();
  private selection: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly log: (message: string) => void;
  private readonly colors: RunColorBook;

  static createOrShow(context: vscode.ExtensionContext, source: RunsSource, options: PanelOptions = {}): ComparisonPanel {
    if (ComparisonPanel.current) {
      ComparisonPanel.current.panel.reveal(undefined, false);
      return ComparisonPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(COMPARISON_VIEW_TYPE, 'Run comparison', vscode.ViewColumn.Beside, ComparisonPanel.webviewOptions(context));
    return new ComparisonPanel(panel, context, source, options);
  }

  /** Restores a panel VS Code kept across a reload (WebviewPanelSerializer). */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, source: RunsSource, options: PanelOptions = {}): ComparisonPanel {
    ComparisonPanel.current?.panel.dispose();
    return new ComparisonPanel(panel, context, source, options);
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly source: RunsSource,
    options: PanelOptions,
  ) {
    ComparisonPanel.current = this;
    this.log = options.log ?? ((m) => console.warn(`[transfer-lab] ${m}`));
    this.colors = options.colors ?? new RunColorBook();
    const webview = panel.webview;
    webview.options = ComparisonPanel.webviewOptions(context);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'transfer-lab.svg');
    webview.html = buildPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      ...panelAssetUris((p) => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, ...p.split('/'))).toString()),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      // Hidden means the webview's document is gone: stop posting until its next `ready`.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      source.onDidChange(() => this.syncRuns()),
      source.onDidAppendEpochs((e) => this.onAppend(e.run, e.epochs)),
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'theme', kind: themeKind(t.kind) })),
    );
    this.selection = source.selectedForComparison();
    this.syncRuns();
    // What is on disk now, even where a file event was missed (runs written by another process
    // while the watcher was busy); new runs arrive through onDidChange.
    void source.refresh?.();
  }

  /** The webview is loaded and listening. */
  get isReady(): boolean {
    return this.ready;
  }

  private record(entry: LoggedMessage): void {
    this.messageLog.push(entry);
    if (this.messageLog.length > LOG_LIMIT) this.messageLog.splice(0, this.messageLog.length - LOG_LIMIT);
  }

  private post(message: HostMessage): void {
    if (!this.ready) return;
    this.record({ direction: 'sent', message, at: Date.now() });
    void this.panel.webview.postMessage(message);
  }

  private infoFor(entry: RunEntry, colors: Map<string, string>): RunInfo {
    return { record: entry.record, dir: entry.dir, color: colors.get(entry.record.name)! };
  }

  /** Brings the host's runs in line with the source and tells the webview what changed. */
  private syncRuns(): void {
    const entries = this.source.listRuns();
    const colors = this.colors.colors(entries.map((e) => e.record.name));
    const next = new Map<string, HostRun>();
    for (const entry of entries) {
      const name = entry.record.name;
      const info = this.infoFor(entry, colors);
      const prev = this.runs.get(name);
      if (!prev || generationOf(prev.entry) !== generationOf(entry)) {
        const run: HostRun = { entry, info, cols: undefined, loading: undefined, pending: [] };
        next.set(name, run);
        this.load(name, run);
        continue;
      }
      const changed = JSON.stringify(prev.info) !== JSON.stringify(info);
      prev.entry = entry;
      prev.info = info;
      next.set(name, prev);
      if (changed && prev.cols) this.post({ type: 'runUpdated', run: info });
    }
    for (const name of this.runs.keys()) if (!next.has(name)) this.post({ type: 'removeRun', run: name });
    this.runs = next;
    const selection = this.source.selectedForComparison();
    if (JSON.stringify(selection) !== JSON.stringify(this.selection)) {
      this.selection = selection;
      this.post({ type: 'visibleRuns', runs: selection.length ? selection : null });
    }
  }

  private load(name: string, run: HostRun): void {
    run.loading = this.source.readEpochs(name).then(
      (epochs) => {
        // Removed or restarted meanwhile: a newer load owns the run now.
        if (this.runs.get(name) !== run) return;
        run.cols = toColumns(epochs);
        this.appendFresh(run, run.pending);
        run.pending = [];
        run.loading = undefined;
        this.post({ type: 'runUpdated', run: run.info, series: run.cols });
      },
      (e: Error) => {
        run.cols = emptyColumns();
        run.loading = undefined;
        this.log(`comparison panel: reading the epochs of run "${name}" failed: ${e.message}`);
      },
    );
  }

  /** Appends epochs newer than the run's last one; returns those. */
  private appendFresh(run: HostRun, epochs: readonly EpochMetrics[]): EpochMetrics[] {
    const last = lastEpoch(run.cols!) ?? -Infinity;
    const fresh = epochs.filter((e) => e.epoch > last);
    // Keep order and drop repeats inside the batch too.
    const out: EpochMetrics[] = [];
    let prev = last;
    for (const e of fresh) {
      if (e.epoch > prev) {
        out.push(e);
        prev = e.epoch;
      }
    }
    appendEpochs(run.cols!, out);
    return out;
  }

  private onAppend(name: string, epochs: EpochMetrics[]): void {
    const run = this.runs.get(name);
    // A run the panel has not seen yet arrives with the source's next onDidChange.
    if (!run) return;
    if (!run.cols) {
      run.pending.push(...epochs);
      return;
    }
    const fresh = this.appendFresh(run, epochs);
    if (fresh.length) this.post({ type: 'appendEpochs', run: name, epochs: fresh });
  }

  /** Answers `ready`. Nothing is posted until init is (what changes meanwhile is in the model
   *  init is built from), so the webview never gets an increment before the whole. */
  private async sendInit(): Promise<void> {
    this.ready = false;
    // Let the first reads finish so the first render shows every run.
    await Promise.all([...this.runs.values()].map((r) => r.loading));
    if (ComparisonPanel.current !== this) return;
    this.ready = true;
    const runs = [...this.runs.values()].filter((r) => r.cols);
    const series: Record<string, SeriesColumns> = {};
    for (const r of runs) series[r.info.record.name] = r.cols!;
    const baseline = this.context.workspaceState.get<string>(BASELINE_KEY);
    this.post({
      type: 'init',
      runs: runs.map((r) => r.info),
      series,
      summary: baseline ? { baseline } : {},
      visibleRuns: this.selection.length ? this.selection : undefined,
      theme: themeKind(vscode.window.activeColorTheme.kind),
    });
  }

  private async receive(raw: unknown): Promise<void> {
    const problem = webviewMessageProblem(raw);
    this.record({ direction: 'received', message: raw, problem, at: Date.now() });
    if (problem) {
      this.log(`comparison panel: ignored a message from the webview: ${problem}`);
      return;
    }
    const msg = raw as WebviewMessage;
    switch (msg.type) {
      case 'ready':
        await this.sendInit();
        return;
      case 'rendered':
        return;
      case 'setVisibleRuns':
        this.source.setSelectedForComparison?.(msg.runs);
        return;
      case 'setBaseline':
        await this.context.workspaceState.update(BASELINE_KEY, msg.run ?? undefined);
        return;
      case 'export':
        await this.saveExport(msg.format, msg.what, msg.data);
        return;
      case 'openRun':
        await this.openRun(msg.run);
        return;
      case 'log':
        this.log(`comparison panel (webview ${msg.level}): ${msg.message}`);
        return;
    }
  }

  private async saveExport(format: 'csv' | 'png' | 'svg', what: string, data: string): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = exportBytes(format, data);
    } catch (e) {
      void vscode.window.showErrorMessage(`Export of ${what} failed: ${(e as Error).message}.`);
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = exportFileName(what, format);
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: EXPORT_FILTERS[format],
      saveLabel: 'Export',
      title: `Export ${what} as ${format.toUpperCase()}`,
    });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not write ${target.fsPath}: ${(e as Error).message}`);
      return;
    }
    const choice = await vscode.window.showInformationMessage(`Exported ${path.basename(target.fsPath)}.`, 'Open');
    if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
  }

  private async openRun(name: string): Promise<void> {
    const run = this.runs.get(name);
    if (!run) return;
    if (this.source.revealRun) {
      await this.source.revealRun(name);
      return;
    }
    const log = path.join(run.entry.dir, 'train.log');
    const file = existsSync(log) ? log : path.join(run.entry.dir, 'run.json');
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.One });
  }

  dispose(): void {
    if (ComparisonPanel.current === this) ComparisonPanel.current = undefined;
    this.ready = false;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** Registers the serializer that restores the panel after a window reload. The lead adds the
 *  `onWebviewPanel:transferLab.comparison` activation event. */
export function registerComparisonPanel(context: vscode.ExtensionContext, source: RunsSource, options: PanelOptions = {}): vscode.Disposable[] {
  return [
    vscode.window.registerWebviewPanelSerializer(COMPARISON_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        ComparisonPanel.revive(panel, context, source, options);
      },
    }),
    { dispose: () => ComparisonPanel.current?.dispose() },
  ];
}
