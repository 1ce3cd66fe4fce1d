// The Modules capability: model state tracking, the tree, its title-bar commands and its undo.
import * as vscode from 'vscode';
import { ExperimentFiles } from '../experiment/experimentFiles';
import { freezeAllButHeadSpec, freezeBackboneSpec, unfreezeAllSpec } from '../../shared/freeze';
import type { FreezeSpec } from '../../shared/experiment/types';
import type { ModelSummary } from '../../shared/model/types';
import { ModelStateTracker } from './modelState';
import { ModulesTreeProvider } from './modulesTree';
import { FreezeUndo } from './freezeUndo';
import { SET_LR_MULT_COMMAND, setLrMultiplier } from './lrMultCommand';

export interface ModulesCapability {
  tracker: ModelStateTracker;
  tree: ModulesTreeProvider;
}

export function registerModules(context: vscode.ExtensionContext, files: ExperimentFiles): ModulesCapability {
  const tracker = new ModelStateTracker(files);
  const undo = new FreezeUndo(() => files.current);
  const tree = new ModulesTreeProvider(tracker, undo.record);
  const apply = (make: (m: ModelSummary) => FreezeSpec) => async (): Promise<boolean> => {
    await tracker.whenSettled();
    const s = tracker.state;
    if (!s?.summary) {
      void vscode.window.showWarningMessage('Transfer Lab: no model to freeze; open or fix the experiment file first.');
      return false;
    }
    return tree.setFreeze(make(s.summary));
  };
  context.subscriptions.push(
    tracker,
    tree,
    undo,
    files.onDidChangeSelection(() => undo.updateContext()),
    vscode.commands.registerCommand('transferLab.undoFreezeChange', async () => {
      const ok = await undo.undo();
      await tracker.refresh();
      return ok;
    }),
    vscode.commands.registerCommand('transferLab.freezeBackbone', apply(freezeBackboneSpec)),
    vscode.commands.registerCommand('transferLab.freezeAllButHead', apply(freezeAllButHeadSpec)),
    vscode.commands.registerCommand('transferLab.unfreezeAll', apply(unfreezeAllSpec)),
    vscode.commands.registerCommand('transferLab.refreshModules', () => tracker.refresh()),
    vscode.commands.registerCommand(SET_LR_MULT_COMMAND, (target?: unknown, value?: unknown) =>
      setLrMultiplier(tracker, () => tree.moduleRows, undo.record, target, typeof value === 'string' ? value : undefined),
    ),
  );
  // No reading yet: activate() starts the first once it knows which experiment to follow.
  return { tracker, tree };
}
