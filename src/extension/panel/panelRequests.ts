// What the comparison panel's webview asks the host to do in VS Code: save an exported chart or
// table where the user chooses, and open a run (its row in the Runs view, else its log).
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ExportFormat } from '../../shared/panel/contract';
import { EXPORT_FILTERS, exportBytes, exportFileName } from './exportFile';
import type { RunsSource } from './runsSource';
import type { RunRecord } from '../../shared/runFolder/contract';
import type { Predictions } from '../../shared/runFolder/predictions';
import { predictionImageFile } from './predictionsFiles';

/** Asks where to save `data` (the webview's export of `what`) and writes it there. */
export async function saveExport(format: ExportFormat, what: string, data: string): Promise<void> {
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

/** The source's own way of showing a run, or its train.log (run.json before it has one). */
export async function openRun(source: RunsSource, name: string, dir: string): Promise<void> {
  if (source.revealRun) {
    await source.revealRun(name);
    return;
  }
  const log = path.join(dir, 'train.log');
  const file = existsSync(log) ? log : path.join(dir, 'run.json');
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.One });
}

/** Opens validation image `index` of a run in the editor, resolved by predictionImageFile (the page
 *  names only the index); says why when it cannot. */
export async function openPredictionImage(record: RunRecord, predictions: Predictions, index: number): Promise<void> {
  const r = predictionImageFile(record, predictions, index);
  if ('problem' in r) {
    void vscode.window.showWarningMessage(`Cannot open the image: ${r.problem}.`);
    return;
  }
  if (
    !(await stat(r.file).then(
      (st) => st.isFile(),
      () => false,
    ))
  ) {
    void vscode.window.showWarningMessage(`Cannot open ${r.file}: it is no longer there (moved or deleted since the run).`);
    return;
  }
  await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(r.file), { preview: true, viewColumn: vscode.ViewColumn.One });
}
