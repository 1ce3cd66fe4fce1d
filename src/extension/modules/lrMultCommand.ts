// "Set Learning-Rate Multiplier…" on a module's row in the Modules view: asks for the multiplier
// (checked as it is typed), writes `train.lrMult` for that module through lrMultEdit.ts as an
// ordinary, saved editor edit, and hands it to the view's undo like a checkbox click.
import * as vscode from 'vscode';
import { rewriteLrMult } from './lrMultEdit';
import type { ModelStateTracker } from './modelState';
import type { ModuleRow } from './treeRows';
import { parseMultInput } from './lrMultInput';
import { writeExperimentEdit, type FreezeChange } from './writeFreeze';

export const SET_LR_MULT_COMMAND = 'transferLab.setLrMultiplier';

/** The module a command argument names: a Modules view row (as VS Code passes it), `{ id }`, a
 *  module name (`model.3`) or an index. */
function moduleIndex(arg: unknown, rows: readonly ModuleRow[]): ModuleRow | undefined {
  const row = typeof arg === 'object' && arg !== null && 'row' in arg ? (arg as { row: unknown }).row : arg;
  const id = typeof row === 'object' && row !== null && 'id' in row ? (row as { id: unknown }).id : row;
  return rows.find((r) => r.id === id || r.index === id);
}

/** `value`: the answer instead of asking (a test, another command); checked the same way. */
export async function setLrMultiplier(
  tracker: ModelStateTracker,
  rows: () => readonly ModuleRow[],
  onChange: (change: FreezeChange) => void,
  target?: unknown,
  value?: string,
): Promise<boolean> {
  await tracker.whenSettled();
  const s = tracker.state;
  const row = moduleIndex(target, rows());
  if (!s?.experiment || s.errors.length || !row) {
    void vscode.window.showWarningMessage(
      row
        ? 'Transfer Lab: fix the experiment file first (see the Problems panel); nothing was changed.'
        : 'Transfer Lab: pick a module row in the Modules view.',
    );
    return false;
  }
  if (!row.checkbox) {
    void vscode.window.showWarningMessage(`Transfer Lab: module ${row.label} has no parameters: it has no learning rate to set.`);
    return false;
  }
  const lr = s.experiment.train.lr;
  const text =
    value ??
    (await vscode.window.showInputBox({
      title: `Learning-rate multiplier of module ${row.label}`,
      prompt: `Trains module ${row.index} at this multiple of lr (${lr}): 0.1 learns 10 times slower. Empty: remove its own entry in train.lrMult.`,
      placeHolder: 'e.g. 0.1',
      validateInput: (t) => {
        const r = parseMultInput(t);
        return 'error' in r ? r.error : undefined;
      },
    }));
  if (text === undefined) return false;
  const parsed = parseMultInput(text);
  if ('error' in parsed) {
    void vscode.window.showErrorMessage(`Transfer Lab: ${parsed.error}`);
    return false;
  }
  try {
    const ok = await writeExperimentEdit(s.uri, (t) => rewriteLrMult(t, row.index, parsed.mult), onChange);
    await tracker.refresh();
    return ok;
  } catch (e) {
    // The file cannot take a multiplier (an lr range, a YOLOv5 experiment): the edit says why.
    void vscode.window.showErrorMessage(`Transfer Lab: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
