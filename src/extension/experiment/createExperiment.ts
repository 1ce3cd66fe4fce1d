// "Create Experiment": writes a commented, valid experiment.yaml (and the small architecture file
// it names) from the one scaffold the parser's tests also check, then opens it.
import * as vscode from 'vscode';
import { SCAFFOLD_EXPERIMENT, SCAFFOLD_MODEL, SCAFFOLD_MODEL_FILE } from './scaffold';
import { ExperimentFiles } from './experimentFiles';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch (e) {
    // Not there: free to create. Any other failure must not read as "free" (the file could be
    // overwritten), so the command stops with it.
    if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return false;
    throw e;
  }
}

export async function createExperiment(files: ExperimentFiles): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Transfer Lab: open a folder first; the experiment file is created in the workspace folder.');
    return undefined;
  }
  let target = vscode.Uri.joinPath(folder.uri, 'experiment.yaml');
  if (await exists(target)) {
    const name = await vscode.window.showInputBox({
      title: 'Create Experiment',
      prompt: 'experiment.yaml already exists. Name of the new experiment file',
      value: 'new.experiment.yaml',
      validateInput: (v) => (/^[\w.-]+\.experiment\.yaml$/.test(v) ? undefined : 'Use a name ending in .experiment.yaml'),
    });
    if (!name) return undefined;
    target = vscode.Uri.joinPath(folder.uri, name);
    if (await exists(target)) {
      void vscode.window.showErrorMessage(`Transfer Lab: ${name} already exists; nothing was overwritten.`);
      return undefined;
    }
  }
  const modelUri = vscode.Uri.joinPath(folder.uri, SCAFFOLD_MODEL_FILE);
  const enc = new TextEncoder();
  // Never overwrite a user's architecture file; the scaffold points at it by name.
  if (!(await exists(modelUri))) await vscode.workspace.fs.writeFile(modelUri, enc.encode(SCAFFOLD_MODEL));
  await vscode.workspace.fs.writeFile(target, enc.encode(SCAFFOLD_EXPERIMENT));
  await files.select(target);
  const doc = await vscode.workspace.openTextDocument(target);
  await vscode.window.showTextDocument(doc, { preview: false });
  return target;
}
