// Which experiment files the workspace holds and which one the views follow. Keeps the
// `transferLab.hasExperiment` context key (drives the welcome view) in step with the file system.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { EXPERIMENT_GLOB } from './find';
import { EXCLUDED_FOLDERS, quickExperimentChoice } from './quickChoice';

const EXCLUDE_GLOB = `{${EXCLUDED_FOLDERS.map((f) => `**/${f}/**`).join(',')}}`;
const SELECTED_KEY = 'transferLab.selectedExperiment';

export class ExperimentFiles implements vscode.Disposable {
  private files: vscode.Uri[] = [];
  private selected: vscode.Uri | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly _onDidChangeSelection = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires when the followed experiment changes (another file picked, created or deleted). */
  readonly onDidChangeSelection = this._onDidChangeSelection.event;
  private readonly _onDidChangeContent = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when the followed experiment file changes on disk (edits outside the editor). */
  readonly onDidChangeContent = this._onDidChangeContent.event;

  constructor(private readonly state: vscode.Memento) {
    const watcher = vscode.workspace.createFileSystemWatcher(EXPERIMENT_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => void this.scan()),
      watcher.onDidDelete(() => void this.scan()),
      watcher.onDidChange((uri) => {
        if (uri.toString() === this.selected?.toString()) this._onDidChangeContent.fire(uri);
      }),
      this._onDidChangeContent,
      this._onDidChangeSelection,
    );
  }

  get all(): readonly vscode.Uri[] {
    return this.files;
  }

  get current(): vscode.Uri | undefined {
    return this.selected;
  }

  /** Follows the experiment scan() would pick, when that is known without a workspace search
   *  (quickChoice.ts): the Modules view's rows need not wait for the search service. */
  async selectQuickly(): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const remembered = this.state.get<string>(SELECTED_KEY);
    const rememberedUri = remembered ? vscode.Uri.parse(remembered) : undefined;
    const file = await quickExperimentChoice({
      folders,
      remembered: rememberedUri?.scheme === 'file' ? rememberedUri.fsPath : undefined,
      configured: vscode.workspace.getConfiguration('transferLab', vscode.workspace.workspaceFolders?.[0]?.uri).get<string>('experiment'),
    });
    if (!file || this.selected) return;
    this.selected = vscode.Uri.file(file);
    // Not awaited: a round trip to the window, which the rows need not wait for.
    void vscode.commands.executeCommand('setContext', 'transferLab.hasExperiment', true);
    this._onDidChangeSelection.fire(this.selected);
  }

  async scan(): Promise<void> {
    const found = await vscode.workspace.findFiles(EXPERIMENT_GLOB, EXCLUDE_GLOB, 200);
    // Shallow files first, so the workspace's own experiment.yaml wins over nested ones.
    found.sort((a, b) => a.fsPath.split(path.sep).length - b.fsPath.split(path.sep).length || a.fsPath.localeCompare(b.fsPath));
    this.files = found;
    const remembered = this.state.get<string>(SELECTED_KEY);
    const configured = vscode.workspace.getConfiguration('transferLab').get<string>('experiment');
    const keep =
      found.find((f) => f.toString() === this.selected?.toString()) ??
      found.find((f) => f.toString() === remembered) ??
      (configured ? found.find((f) => vscode.workspace.asRelativePath(f, false) === configured.replace(/^\.\//, '')) : undefined) ??
      found[0];
    await vscode.commands.executeCommand('setContext', 'transferLab.hasExperiment', found.length > 0);
    if (keep?.toString() !== this.selected?.toString()) {
      this.selected = keep;
      this._onDidChangeSelection.fire(keep);
    }
  }

  async select(uri: vscode.Uri): Promise<void> {
    if (!this.files.some((f) => f.toString() === uri.toString())) this.files.push(uri);
    await vscode.commands.executeCommand('setContext', 'transferLab.hasExperiment', true);
    await this.state.update(SELECTED_KEY, uri.toString());
    if (uri.toString() !== this.selected?.toString()) {
      this.selected = uri;
      this._onDidChangeSelection.fire(uri);
    }
  }

  /** Quick pick over the workspace's experiment files. */
  async pick(): Promise<void> {
    await this.scan();
    if (this.files.length === 0) {
      void vscode.window.showInformationMessage('No experiment file in this workspace. Use "Transfer Lab: Create Experiment" to make one.');
      return;
    }
    const items = this.files.map((f) => ({
      label: path.basename(f.fsPath),
      description: vscode.workspace.asRelativePath(f),
      picked: f.toString() === this.selected?.toString(),
      uri: f,
    }));
    const choice = await vscode.window.showQuickPick(items, {
      title: 'Select Experiment',
      placeHolder: 'Experiment the Modules view and runs follow',
    });
    if (choice) await this.select(choice.uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
