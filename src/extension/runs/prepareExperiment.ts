// The experiment a launch command starts from: the selected file, saved (the trainer reads it from
// disk, so unsaved edits would silently not apply) and parsed with the shared parser. A parse error
// is shown with its file:line and an "Open Experiment" button, and nothing starts.
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { ExperimentError, loadExperiment } from '../../shared/experiment/parse';
import type { Experiment } from '../../shared/experiment/types';
import { revealProblem } from './experimentProblems';

export interface Prepared {
  experiment: Experiment;
  uri: vscode.Uri;
  /** The workspace folder whose runs/ the run goes to. */
  folder: string;
}

/** `what`: the action, for messages ("start a run"). */
export async function prepareExperiment(files: ExperimentFiles, what: string): Promise<Prepared | { refused: string }> {
  let uri = files.current;
  if (!uri) {
    await files.scan();
    uri = files.current;
  }
  if (!uri) {
    const msg = `No experiment file to ${what}: create one with "Transfer Lab: Create Experiment".`;
    void vscode.window.showErrorMessage(msg);
    return { refused: msg };
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri!.toString());
  if (doc?.isDirty) await doc.save();
  try {
    const experiment = await loadExperiment(uri.fsPath);
    const folder = (vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
    if (!folder) {
      const msg = `Open a folder to ${what}: runs are written to runs/ in the workspace folder.`;
      void vscode.window.showErrorMessage(msg);
      return { refused: msg };
    }
    return { experiment, uri, folder };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const first = e instanceof ExperimentError ? e.diagnostics.find((d) => d.severity === 'error') : undefined;
    void vscode.window.showErrorMessage(`Cannot ${what}: ${msg}`, ...(first ? ['Open Experiment'] : [])).then(async (a) => {
      if (a && first) await revealProblem(first);
    });
    return { refused: msg };
  }
}
