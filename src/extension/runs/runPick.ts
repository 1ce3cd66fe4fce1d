// Which run a run command applies to: the Runs view row it was invoked on, a run named by a caller
// (a test, another command), the one selected row when it qualifies, or else a quick pick of the
// runs the command can act on.
import * as vscode from 'vscode';
import type { RunState, RunsManager } from './runsManager';
import type { RunsTreeNode } from './runsTree';
import { progressText } from './runRowText';

/** `eligible`: runs the command can act on; `what`: the action, for messages ("stop"). */
export async function pickRun(
  manager: RunsManager,
  view: vscode.TreeView<RunsTreeNode>,
  arg: unknown,
  eligible: (r: RunState) => boolean,
  what: string,
): Promise<RunState | undefined> {
  if (arg && typeof arg === 'object') {
    const node = arg as Partial<RunsTreeNode>;
    if (node.kind === 'run' && 'run' in node && node.run) return node.run;
    if ('dir' in arg && typeof (arg as { dir: unknown }).dir === 'string') return manager.get((arg as { dir: string }).dir);
  }
  if (typeof arg === 'string') {
    const r = manager.get(arg);
    if (!r) void vscode.window.showErrorMessage(`No run named ${arg} in this workspace.`);
    return r;
  }
  const selected = view.selection.filter((n): n is Extract<RunsTreeNode, { kind: 'run' }> => n.kind === 'run').map((n) => n.run);
  if (selected.length === 1 && eligible(selected[0])) return selected[0];
  const candidates = manager.list().filter(eligible);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`No run to ${what}.`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((run) => ({ label: run.record.name, description: progressText(run), run })),
    { title: `Transfer Lab: ${what[0].toUpperCase()}${what.slice(1)}`, placeHolder: `Run to ${what}` },
  );
  return pick?.run;
}
