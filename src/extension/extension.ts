// Wiring only: each capability lives in its own folder and registers itself here.
// First import: its clock starts before the rest of the bundle loads.
import { markStartup, startupLog } from './startupMarks';
import * as vscode from 'vscode';
import { ExperimentFiles } from './experiment/experimentFiles';
import { createExperiment } from './experiment/createExperiment';
import { registerModules } from './modules/registerModules';
import { registerRuns } from './runs/registerRuns';
import { registerYolov5 } from './runs/yolov5/registerYolov5';
import { torchLaunchEnvironment } from './runs/torchLaunchEnvironment';
import { registerComparisonPanel } from './panel/comparisonPanel';
import { registerPanelCommands } from './panel/panelCommands';
import { registerLrFind } from './lrFind/registerLrFind';

/** What activate() returns: the capabilities, for integration tests (`extension.exports`). */
export type TransferLabApi = Awaited<ReturnType<typeof activate>>;

export async function activate(context: vscode.ExtensionContext) {
  markStartup('activateCalled');
  context.subscriptions.push(startupLog);
  const files = new ExperimentFiles(context.workspaceState);
  context.subscriptions.push(
    files,
    vscode.commands.registerCommand('transferLab.createExperiment', () => createExperiment(files)),
    vscode.commands.registerCommand('transferLab.selectExperiment', () => files.pick()),
  );
  // The Modules view first, before anything is awaited: the window hears of its tree at once and
  // asks for rows while the experiment is found and read (the first fetch waits for that reading).
  const modules = registerModules(context, files);
  markStartup('treeCreated');
  // The experiment to show first, without waiting for a workspace search where possible; its
  // selection starts the first reading. With none found quickly the view reads "no experiment"
  // until the search below finds one.
  await files.selectQuickly();
  if (!files.current) void modules.tracker.refresh();
  // Runs, the panel and the workspace search once the rows are read: they need not compete with that.
  await modules.tracker.whenSettled().catch(() => undefined);
  const runs = registerRuns(context, files);
  context.subscriptions.push(registerYolov5(runs.manager));
  context.subscriptions.push(runs.manager.addLaunchEnvironment(torchLaunchEnvironment));
  context.subscriptions.push(
    ...registerPanelCommands(context, runs.runsSource, { colors: runs.colors }),
    ...registerComparisonPanel(context, runs.runsSource, { colors: runs.colors }),
    registerLrFind(context, files, runs.runsSource, { colors: runs.colors }),
  );
  await files.scan();
  markStartup('activateReturned');
  return { files, modules, runs };
}

// The last top-level statement: everything above has been loaded by now.
markStartup('bundleLoaded');

export function deactivate(): void {
  // Disposables in context.subscriptions are cleaned up by VS Code.
}
