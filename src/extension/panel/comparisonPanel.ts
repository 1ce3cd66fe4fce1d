// The comparison panel's host side: one webview panel beside the editor, fed from a RunsSource.
// The host keeps each run's columns, answers the webview's `ready` with everything (`init`), then
// forwards only increments. The webview is not retained when hidden; showing it again reloads it,
// and its `ready` brings a fresh `init`. Every received message is validated before use. The runs'
// data lives in PanelRuns; what the webview asks of VS Code (save, open) in panelRequests.
import * as vscode from 'vscode';
import type { LrFindResult } from '../../shared/lrFind/contract';
import { webviewMessageProblem, type HostMessage, type ThemeKind, type WebviewMessage } from '../../shared/panel/contract';
import { RunColorBook } from './palette';
import { buildPanelHtml, makeNonce, panelAssetUris } from './panelHtml';
import { PanelRuns } from './panelRuns';
import { PanelPredictions } from './panelPredictions';
import { openPredictionImage, openRun, saveExport } from './panelRequests';
import type { RunsSource } from './runsSource';

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

export class ComparisonPanel implements vscode.Disposable {
  /** The open panel, if any (one at a time). */
  static current: ComparisonPanel | undefined;

  /** Test hook: the last messages sent to and received from the webview (oldest first). */
  readonly messageLog: LoggedMessage[] = [];

  private ready = false;
  /** The LR finder's result on show: sent again after each init (a hidden panel's webview reloads). */
  private lrFind: LrFindResult | undefined;
  private readonly runs: PanelRuns;
  private readonly predictions: PanelPredictions;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly log: (message: string) => void;

  static createOrShow(context: vscode.ExtensionContext, source: RunsSource, options: PanelOptions = {}): ComparisonPanel {
    if (ComparisonPanel.current) {
      ComparisonPanel.current.panel.reveal(undefined, false);
      return ComparisonPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      COMPARISON_VIEW_TYPE,
      'Run comparison',
      vscode.ViewColumn.Beside,
      ComparisonPanel.webviewOptions(context),
    );
    return new ComparisonPanel(panel, context, source, options);
  }

  /** Restores a panel VS Code kept across a reload (WebviewPanelSerializer). */
  static revive(
    panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    source: RunsSource,
    options: PanelOptions = {},
  ): ComparisonPanel {
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
    this.runs = new PanelRuns(source, options.colors ?? new RunColorBook(), (m) => this.post(m), this.log);
    this.predictions = new PanelPredictions(
      (name) => this.runs.entry(name),
      (m) => this.post(m),
      this.log,
    );
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
      source.onDidChange(() => {
        this.runs.sync();
        this.predictions.changedAll();
      }),
      source.onDidAppendEpochs((e) => {
        this.runs.onAppend(e.run, e.epochs);
        this.predictions.changed(e.run);
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'theme', kind: themeKind(t.kind) })),
    );
    this.runs.sync();
    // What is on disk now, even where a file event was missed (runs written by another process
    // while the watcher was busy); new runs arrive through onDidChange.
    source
      .refresh?.()
      .catch((e: unknown) =>
        this.log(`comparison panel: re-reading the run folders failed: ${e instanceof Error ? e.message : String(e)}`),
      );
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

  /** Answers `ready`. Nothing is posted until init is (what changes meanwhile is in the model
   *  init is built from), so the webview never gets an increment before the whole. */
  private async sendInit(): Promise<void> {
    this.ready = false;
    this.predictions.reset();
    // Let the first reads finish so the first render shows every run.
    await this.runs.whenLoaded();
    if (ComparisonPanel.current !== this) return;
    this.ready = true;
    const { runs, series } = this.runs.loaded();
    const baseline = this.context.workspaceState.get<string>(BASELINE_KEY);
    const selection = this.runs.selection;
    this.post({
      type: 'init',
      runs,
      series,
      summary: baseline ? { baseline } : {},
      visibleRuns: selection.length ? selection : undefined,
      theme: themeKind(vscode.window.activeColorTheme.kind),
    });
    if (this.lrFind) this.post({ type: 'lrFind', result: this.lrFind });
  }

  /** Charts an LR finder result (loss against learning rate) above the runs' charts. */
  showLrFind(result: LrFindResult): void {
    this.lrFind = result;
    this.post({ type: 'lrFind', result });
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
        await saveExport(msg.format, msg.what, msg.data);
        return;
      case 'openRun': {
        const entry = this.runs.entry(msg.run);
        if (entry) await openRun(this.source, msg.run, entry.dir);
        return;
      }
      case 'requestPredictions':
        this.predictions.request(msg.runs);
        return;
      case 'openPredictionImage': {
        const entry = this.runs.entry(msg.run);
        const predictions = this.predictions.predictionsOf(msg.run);
        if (entry && predictions) await openPredictionImage(entry.record, predictions, msg.index);
        return;
      }
      case 'log':
        this.log(`comparison panel (webview ${msg.level}): ${msg.message}`);
        return;
    }
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
export function registerComparisonPanel(
  context: vscode.ExtensionContext,
  source: RunsSource,
  options: PanelOptions = {},
): vscode.Disposable[] {
  return [
    vscode.window.registerWebviewPanelSerializer(COMPARISON_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        ComparisonPanel.revive(panel, context, source, options);
      },
    }),
    { dispose: () => ComparisonPanel.current?.dispose() },
  ];
}
