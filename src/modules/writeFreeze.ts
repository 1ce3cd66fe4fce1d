// Writes a freeze value into the experiment file as an ordinary editor edit (Ctrl+Z undoes it),
// touching only the `freeze:` value so comments and formatting elsewhere survive, then saves.
import * as vscode from 'vscode';
import { rewriteFreeze } from '../shared/experiment/freezeEdit';
import { parseExperiment } from '../shared/experiment/parse';
import type { FreezeSpec } from '../shared/experiment/types';

export async function writeFreeze(uri: vscode.Uri, spec: FreezeSpec): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  // Never rewrite a file that does not parse: the user's text wins.
  if (!parseExperiment(text, uri.fsPath).experiment) return false;
  const edit = rewriteFreeze(text, spec);
  const range = new vscode.Range(doc.positionAt(edit.offset), doc.positionAt(edit.offset + edit.length));
  if (doc.getText(range) === edit.newText) return true;
  const we = new vscode.WorkspaceEdit();
  we.replace(uri, range, edit.newText);
  if (!(await vscode.workspace.applyEdit(we))) return false;
  return doc.save();
}
