// Wiring only: each capability lives in its own folder and registers itself here.
import * as vscode from 'vscode';
import { ExperimentFiles } from './experiment/experimentFiles';
import { createExperiment } from './experiment/createExperiment';
import { registerModules } from './modules/registerModules';
import { registerRuns } from './runs/registerRuns';
import { registerYolov5 } from './runs/yolov5/registerYolov5';
import { torchLaunchEnvironment } from './runs/torchLaunchEnvironment';
import { registerYolov5Sections } from '../shared/yolov5/settings';
import { registerComparisonPanel } from './panel/comparisonPanel';
import { registerPanelCommands } from './panel/panelCommands';

/** What activate() returns: the capabilities, for integration tests (`extension.exports`). */
export type TransferLabApi = Awaited<ReturnType<typeof activate>>;

export async function activate(context: vscode.ExtensionContext) {
  // Experiment sections owned by other trainers, known before anything parses an experiment.
  registerYolov5Sections();
  const files = new ExperimentFiles(context.workspaceState);
  context.subscriptions.push(
    files,
    vscode.commands.registerCommand('transferLab.createExperiment', () => createExperiment(files)),
    vscode.commands.registerCommand('transferLab.selectExperiment', () => files.pick()),
  );
  // The experiment to show first, without waiting for a workspace search where possible.
  await files.selectQuickly();
  const modules = registerModules(context, files);
  const runs = registerRuns(context, files);
  context.subscriptions.push(registerYolov5(runs.manager));
  context.subscriptions.push(runs.manager.addLaunchEnvironment(torchLaunchEnvironment));
  context.subscriptions.push(
    ...registerPanelCommands(context, runs.runsSource, { colors: runs.colors }),
    ...registerComparisonPanel(context, runs.runsSource, { colors: runs.colors }),
  );
  await files.scan();
  return { files, modules, runs };
}

export function deactivate(): void {
  // Disposables in context.subscriptions are cleaned up by VS Code.
}
