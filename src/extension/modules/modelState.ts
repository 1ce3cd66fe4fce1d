// What the Modules view shows for the selected experiment: the parsed experiment, the model's
// modules and the freeze value, re-evaluated (debounced) when the experiment's text changes in
// the editor or its model file changes on disk. Problems go to the Problems panel.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseExperiment } from '../../shared/experiment/parse';
import type { Experiment, FileDiagnostic, FreezeSpec } from '../../shared/experiment/types';
import type { ModelSummary } from '../../shared/model/types';
import { validateFreeze } from '../../shared/freeze';
import { checkFineTuningAgainstModel } from '../../shared/experiment/fineTuneModelCheck';
import { ExperimentFiles } from '../experiment/experimentFiles';
import { loadViewModel, watchedModelFile } from './viewModel';

export interface ModelState {
  uri: vscode.Uri;
  experiment?: Experiment;
  summary?: ModelSummary;
  spec?: FreezeSpec;
  /** Errors that keep the view from showing (or from writing) a freeze value. */
  errors: FileDiagnostic[];
}

const DEBOUNCE_MS = 250;

export class ModelStateTracker implements vscode.Disposable {
  private _state: ModelState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private modelWatcher: vscode.FileSystemWatcher | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('transferLab');
  private readonly _onDidChange = new vscode.EventEmitter<ModelState | undefined>();
  readonly onDidChange = this._onDidChange.event;
  /** Until the first refresh (activate() starts it once the experiment is chosen), the tree's
   *  first fetch and commands wait for that first reading rather than see no model. */
  private settled: Promise<void>;
  private firstRefresh: ((first: Promise<void>) => void) | undefined;

  constructor(private readonly files: ExperimentFiles) {
    this.settled = new Promise((resolve) => (this.firstRefresh = resolve));
    this.disposables.push(
      this.diagnostics,
      this._onDidChange,
      files.onDidChangeSelection(() => this.refresh()),
      files.onDidChangeContent(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === this.files.current?.toString()) this.schedule();
      }),
    );
  }

  get state(): ModelState | undefined {
    return this._state;
  }

  /** Resolves when the latest scheduled evaluation has finished (tests and commands wait on it). */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), DEBOUNCE_MS);
  }

  refresh(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const gen = ++this.generation;
    this.settled = this.evaluate(gen);
    this.firstRefresh?.(this.settled);
    this.firstRefresh = undefined;
    return this.settled;
  }

  private async readText(uri: vscode.Uri): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return open.getText();
    // The extension host reads its own disk directly (workspace.fs asks the window, a round trip
    // that cost 0.2 s of a busy start-up), as it reads the model file.
    if (uri.scheme === 'file') return readFile(uri.fsPath, 'utf8');
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  }

  private async evaluate(gen: number): Promise<void> {
    const uri = this.files.current;
    if (!uri) {
      this.publish(gen, undefined, []);
      return;
    }
    let text: string;
    try {
      text = await this.readText(uri);
    } catch (e) {
      const d: FileDiagnostic = {
        file: uri.fsPath,
        line: 1,
        column: 1,
        severity: 'error',
        message: `cannot read the experiment file: ${(e as Error).message}`,
      };
      this.publish(gen, { uri, errors: [d] }, [d]);
      return;
    }
    const parsed = parseExperiment(text, uri.fsPath);
    const all: FileDiagnostic[] = [...parsed.diagnostics];
    const state: ModelState = { uri, experiment: parsed.experiment, errors: [] };
    if (parsed.experiment) {
      const exp = parsed.experiment;
      this.watchModel(watchedModelFile(exp));
      // The model as the experiment's trainer builds it (YOLOv5: the dataset YAML's nc, yolov5.img), as
      // `transfer-lab modules` and run.json count it.
      const loaded = await loadViewModel(exp, text);
      all.push(...loaded.diagnostics);
      state.summary = loaded.summary;
      state.spec = exp.freeze;
      if (loaded.summary) {
        // A freeze value that names nothing is shown on the experiment's freeze line.
        all.push(...validateFreeze(loaded.summary, exp.freeze, text, uri.fsPath));
        // Later freeze-schedule phases and lrMult entries, at their own lines.
        all.push(...checkFineTuningAgainstModel(loaded.summary, exp, text, uri.fsPath));
      }
    }
    state.errors = all.filter((d) => d.severity === 'error');
    this.publish(gen, state, all);
  }

  private publish(gen: number, state: ModelState | undefined, diags: FileDiagnostic[]): void {
    if (gen !== this.generation) return; // a newer evaluation is on its way
    this.diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of diags) {
      const line = Math.max(0, d.line - 1);
      const col = Math.max(0, d.column - 1);
      const diag = new vscode.Diagnostic(
        new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER),
        d.message,
        d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      diag.source = 'Transfer Lab';
      const list = byFile.get(d.file) ?? [];
      list.push(diag);
      byFile.set(d.file, list);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this._state = state;
    this._onDidChange.fire(state);
  }

  private watchedModel: string | undefined;
  private watchModel(modelPath: string | undefined): void {
    if (this.watchedModel === modelPath) return;
    this.modelWatcher?.dispose();
    this.modelWatcher = undefined;
    this.watchedModel = modelPath;
    if (!modelPath) return;
    // Weight shards sit beside a model.json: watch the folder's files, not just the one file.
    const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(modelPath)), '*.{yaml,yml,json,bin,pt,pth}');
    this.modelWatcher = vscode.workspace.createFileSystemWatcher(pattern);
    const onChange = (): void => this.schedule();
    this.modelWatcher.onDidChange(onChange);
    this.modelWatcher.onDidCreate(onChange);
    this.modelWatcher.onDidDelete(onChange);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.modelWatcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
