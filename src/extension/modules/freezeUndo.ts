// Undo for the freeze changes made from the Modules view, where the user is: with focus in the
// view Ctrl+Z (Cmd+Z) takes back the last one even when the experiment file is not open in an
// editor (VS Code's own undo only acts in a focused editor). The undo is itself an ordinary edit
// through a WorkspaceEdit, so the file's undo stack has it too. A file edited since (by hand, or
// undone in its editor) is never overwritten: the user's text wins.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { replaceAndSave, type FreezeChange } from './writeFreeze';

const CAN_UNDO_KEY = 'transferLab.canUndoFreeze';
const MAX_CHANGES = 100;

export class FreezeUndo implements vscode.Disposable {
  private changes: FreezeChange[] = [];

  constructor(private readonly current: () => vscode.Uri | undefined) {}

  /** Remembers a change the view made (writeFreeze's onChange). */
  readonly record = (change: FreezeChange): void => {
    this.changes.push(change);
    if (this.changes.length > MAX_CHANGES) this.changes.shift();
    this.updateContext();
  };

  /** Takes back the last change to the followed experiment; false when there was none to undo. */
  async undo(): Promise<boolean> {
    const uri = this.current();
    let i = this.changes.length - 1;
    while (i >= 0 && this.changes[i].uri.toString() !== uri?.toString()) i--;
    if (!uri || i < 0) {
      void vscode.window.showInformationMessage('Transfer Lab: no freeze change to undo.');
      return false;
    }
    const [change] = this.changes.splice(i, 1);
    const doc = await vscode.workspace.openTextDocument(change.uri);
    if (doc.getText() !== change.after) {
      // Older changes to this file cannot apply either.
      this.changes = this.changes.filter((c) => c.uri.toString() !== uri.toString());
      this.updateContext();
      void vscode.window.showWarningMessage(
        `Transfer Lab: ${path.basename(uri.fsPath)} changed since the last freeze change; nothing was undone (its editor's Undo has the edits).`,
      );
      return false;
    }
    const ok = await replaceAndSave(doc, change.offset, change.newText.length, change.oldText);
    this.updateContext();
    return ok;
  }

  /** The title-bar button shows while the followed experiment has a change to undo. */
  updateContext(): void {
    const uri = this.current()?.toString();
    void vscode.commands.executeCommand(
      'setContext',
      CAN_UNDO_KEY,
      this.changes.some((c) => c.uri.toString() === uri),
    );
  }

  dispose(): void {
    this.changes = [];
  }
}
