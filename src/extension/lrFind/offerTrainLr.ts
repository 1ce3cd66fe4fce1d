// After the LR finder: a notification with the suggestion (and the other value), each a button that
// writes it into the experiment's `train.lr` as an ordinary editor edit — shown in its editor with
// the value selected, so Ctrl+Z takes it back — touching nothing else in the file (trainLrEdit.ts).
import * as vscode from 'vscode';
import type { LrFindResult } from '../../shared/lrFind/contract';
import { describeSuggestions, formatLr, roundLr } from '../../shared/lrFind/lrText';
import { rewriteTrainLr } from './trainLrEdit';
import { parseExperiment } from '../../shared/experiment/parse';
import { replaceAndSave } from '../modules/writeFreeze';

/** The experiment's parser refuses `train.lr` of 10 or more. */
const MAX_LR = 10;

export function useLabel(lr: number): string {
  return `Use ${formatLr(lr)} as train.lr`;
}

/** Writes `lr` into `uri`'s train.lr and shows the edit; false when the file does not parse or the edit failed. */
export async function writeTrainLr(uri: vscode.Uri, lr: number): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  // Never rewrite a file that does not parse: the user's text wins.
  if (!parseExperiment(text, uri.fsPath).experiment) return false;
  const edit = rewriteTrainLr(text, lr);
  if (!(await replaceAndSave(doc, edit.offset, edit.length, edit.newText))) return false;
  const at = doc.positionAt(edit.offset + edit.newText.length);
  await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(doc.positionAt(edit.offset), at) });
  return true;
}

/** The values offered, the suggested one first. */
export function offeredRates(r: LrFindResult): number[] {
  const s = r.suggestions;
  const other = s.suggested === 'steepest' ? s.minimumTenth : s.steepest;
  return [s.lr, other]
    .filter((v): v is number => v !== undefined)
    .map(roundLr)
    .filter((v, i, a) => v < MAX_LR && a.indexOf(v) === i);
}

export async function offerTrainLr(uri: vscode.Uri, r: LrFindResult): Promise<void> {
  const rates = offeredRates(r);
  const message = `LR finder (${vscode.workspace.asRelativePath(uri)}): ${describeSuggestions(r.suggestions)}.`;
  const labels = rates.map(useLabel);
  const picked = await vscode.window.showInformationMessage(message, ...labels);
  const lr = picked === undefined ? undefined : rates[labels.indexOf(picked)];
  if (lr === undefined) return;
  try {
    if (!(await writeTrainLr(uri, lr)))
      void vscode.window.showWarningMessage(`train.lr was not changed: ${uri.fsPath} does not parse now, or the edit was refused.`);
  } catch (e) {
    void vscode.window.showErrorMessage(`${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
