// Writes a freeze value (or another edit of the Modules view) into the experiment file as an ordinary editor edit (Ctrl+Z in its editor
// undoes it), touching only the `freeze:` value so comments and formatting elsewhere survive, then
// saves. Each change is handed to the view's own undo (FreezeUndo), for when the file is not open.
import * as vscode from 'vscode';
import { rewriteFreeze, type TextEdit } from '../../shared/experiment/freezeEdit';
import { parseExperiment } from '../../shared/experiment/parse';
import type { FreezeSpec } from '../../shared/experiment/types';

/** A freeze edit as applied: enough to take it back while the file still reads `after`. */
export interface FreezeChange {
  uri: vscode.Uri;
  offset: number;
  oldText: string;
  newText: string;
  /** The whole text right after the edit. */
  after: string;
}

export async function writeFreeze(uri: vscode.Uri, spec: FreezeSpec, onChange?: (change: FreezeChange) => void): Promise<boolean> {
  return writeExperimentEdit(uri, (text) => rewriteFreeze(text, spec), onChange);
}

/** Applies the edit `make` computes from the file's text (freeze, a learning-rate multiplier) as an
 *  undoable, saved editor edit, handed to `onChange` for the view's own undo. */
export async function writeExperimentEdit(
  uri: vscode.Uri,
  make: (text: string) => TextEdit,
  onChange?: (change: FreezeChange) => void,
): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  // Never rewrite a file that does not parse: the user's text wins.
  if (!parseExperiment(text, uri.fsPath).experiment) return false;
  const edit = make(text);
  const oldText = text.slice(edit.offset, edit.offset + edit.length);
  if (oldText === edit.newText) return true;
  if (!(await replaceAndSave(doc, edit.offset, edit.length, edit.newText))) return false;
  onChange?.({ uri, offset: edit.offset, oldText, newText: edit.newText, after: doc.getText() });
  return true;
}

/** Replaces a range through a WorkspaceEdit (so it is in the file's undo stack) and saves. */
export async function replaceAndSave(doc: vscode.TextDocument, offset: number, length: number, newText: string): Promise<boolean> {
  const we = new vscode.WorkspaceEdit();
  we.replace(doc.uri, new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + length)), newText);
  if (!(await vscode.workspace.applyEdit(we))) return false;
  return doc.save();
}
