// Restricted Mode: an untrusted workspace starts, stops and deletes nothing (its experiment files
// could name any program or path). Every launching command asks here first; the answer is shown to
// the user and returned to the caller as the reason nothing happened.
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE =
  'Transfer Lab starts no training in Restricted Mode: this workspace is not trusted. Trust it to start, stop or delete runs; the Runs view stays readable.';

/** Says why nothing runs in an untrusted workspace; the message when the action must not go on. */
export function refuseUntrusted(): string | undefined {
  if (vscode.workspace.isTrusted) return undefined;
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((a) => {
    if (a) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return UNTRUSTED_MESSAGE;
}
