// The Modules capability: model state tracking, the tree, and its title-bar commands.
import * as vscode from 'vscode';
import { ExperimentFiles } from '../experiment/experimentFiles';
import { freezeAllButHeadSpec, freezeBackboneSpec, unfreezeAllSpec } from '../shared/freeze';
import type { FreezeSpec } from '../shared/experiment/types';
import type { ModelSummary } from '../shared/model/types';
import { ModelStateTracker } from './modelState';
import { ModulesTreeProvider } from './modulesTree';

export interface ModulesCapability {
  tracker: ModelStateTracker;
  tree: ModulesTreeProvider;
}

export function registerModules(context: vscode.ExtensionContext, files: ExperimentFiles): ModulesCapability {
  const tracker = new ModelStateTracker(files);
  const tree = new ModulesTreeProvider(tracker);
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
    vscode.commands.registerCommand('transferLab.freezeBackbone', apply(freezeBackboneSpec)),
    vscode.commands.registerCommand('transferLab.freezeAllButHead', apply(freezeAllButHeadSpec)),
    vscode.commands.registerCommand('transferLab.unfreezeAll', apply(unfreezeAllSpec)),
    vscode.commands.registerCommand('transferLab.refreshModules', () => tracker.refresh()),
  );
  void tracker.refresh();
  return { tracker, tree };
}
