// Wires the runs feature: the manager, the Runs view, the status bar, the commands, the
// notifications for runs that end badly, and the RunsSource the comparison panel reads.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import type { RunsSource } from '../panel/runsSource';
import { ManagedRunsSource } from './managedRunsSource';
import { RunCommands, SweepArgs } from './runCommands';
import { isFreezeSpec } from '../../shared/runs/sweepPlan';
import { RunLogs } from './runLogs';
import { RunsManager } from './runsManager';
import { RunsFeed } from './runsFeed';
import { RunsStatusBar } from './runsStatusBar';
import { RunColorBook } from '../panel/palette';
import { RunSwatches } from './runSwatches';
import { RunsTree } from './runsTree';
import { topLevel } from './runGroups';
import { showEngines } from './showEngines';
import { bestAccuracy, formatAccuracy } from './runRowText';

export interface RunsRegistration extends vscode.Disposable {
  /** What the comparison panel shows: the runs checked in the Runs view. */
  runsSource: RunsSource;
  /** The runs model (tests observe it through `list()`, `get()`, `queued()`). */
  manager: RunsManager;
  /** The Runs view's provider (tests read its items). */
  tree: RunsTree;
  /** Run colours, shared with the comparison panel and kept in the workspace state. */
  colors: RunColorBook;
  /** The status-bar item's text while runs train (tests compare it with the rows). */
  statusBar: RunsStatusBar;
}

const COLORS_KEY = 'transferLab.runColors';

/** Registers the run commands, the Runs view and the status-bar item; disposed with the extension.
 *  Running trainers are left running on dispose: the next window re-attaches to them. */
export function registerRuns(context: vscode.ExtensionContext, experimentFiles: ExperimentFiles): RunsRegistration {
  const logs = new RunLogs();
  const trainerScript = path.join(context.extensionPath, 'dist', 'trainer.js');
  const manager = new RunsManager(trainerScript, context.workspaceState, logs);
  const colors = new RunColorBook(context.workspaceState.get(COLORS_KEY), (given) => void context.workspaceState.update(COLORS_KEY, given));
  // One tick drives the rows and the status bar, so they show the same epoch.
  const feed = new RunsFeed(manager);
  const tree = new RunsTree(manager, feed, new RunSwatches(context.globalStorageUri, colors));
  const statusBar = new RunsStatusBar(manager, feed);
  const commands = new RunCommands(manager, experimentFiles, tree);

  const revealRun = async (name: string) => {
    const run = manager.get(name);
    if (!run) return;
    await vscode.commands.executeCommand('transferLab.runs.focus');
    await tree.view.reveal(tree.nodeOf(run), { select: true, focus: true, expand: true });
  };
  const runsSource = new ManagedRunsSource(manager, revealRun);

  const disposables: vscode.Disposable[] = [
    logs,
    manager,
    feed,
    tree,
    statusBar,
    runsSource,
    vscode.commands.registerCommand('transferLab.startRun', () => commands.startRun()),
    vscode.commands.registerCommand('transferLab.startSweep', (args?: unknown) =>
      commands.startSweep(isSweepArgs(args) ? args : undefined),
    ),
    vscode.commands.registerCommand('transferLab.stopRun', (arg?: unknown) => commands.stopRun(arg)),
    vscode.commands.registerCommand('transferLab.stopAllRuns', () => commands.stopAllRuns()),
    vscode.commands.registerCommand('transferLab.resumeRun', (arg?: unknown) => commands.resumeRun(arg)),
    vscode.commands.registerCommand('transferLab.deleteRun', (arg?: unknown) => commands.deleteRun(arg)),
    vscode.commands.registerCommand('transferLab.revealRunFolder', (arg?: unknown) => commands.revealRunFolder(arg)),
    vscode.commands.registerCommand('transferLab.showRunLog', (arg?: unknown) => commands.showRunLog(arg)),
    vscode.commands.registerCommand('transferLab.showEngines', () => showEngines(trainerScript, experimentFiles)),
    // Runs written by other processes arrive through file events, which remote or busy file systems can miss.
    vscode.commands.registerCommand('transferLab.refreshRuns', () => manager.rescan()),
    manager.onDidEnd((e) => announceEnd(manager, e.run.record.name, e.status, e.message)),
  ];
  void manager.ready.then(() => tree.refresh());

  const registration: RunsRegistration = {
    runsSource,
    manager,
    tree,
    colors,
    statusBar,
    dispose: () => {
      for (const d of disposables.splice(0).reverse()) d.dispose();
    },
  };
  context.subscriptions.push(registration);
  return registration;
}

function isSweepArgs(x: unknown): x is SweepArgs {
  const freeze = typeof x === 'object' && x !== null ? (x as { freeze?: unknown }).freeze : undefined;
  const fineTune = typeof x === 'object' && x !== null ? (x as { fineTune?: unknown }).fineTune : undefined;
  return Array.isArray(freeze) && freeze.every(isFreezeSpec) && (fineTune === undefined || isFreezeSpec(fineTune));
}

/** A failed run says why, with its log one click away; a finished sweep says how it went. */
function announceEnd(manager: RunsManager, name: string, status: string, message: string | undefined): void {
  const run = manager.get(name);
  if (!run) return;
  if (status === 'failed') {
    void vscode.window.showErrorMessage(`Run ${name} failed: ${message ?? 'see its log'}`, 'Show Log').then((a) => {
      if (a) void manager.logs.show(run.dir, name);
    });
    return;
  }
  const sweep = run.record.sweep;
  if (!sweep || status !== 'finished') return;
  const node = topLevel(manager.list()).find((n) => n.kind === 'sweep' && n.sweep === sweep && n.folder === run.folder);
  if (node?.kind !== 'sweep' || node.runs.some((r) => manager.isActive(r))) return;
  const parts = node.runs.map((r) => {
    const b = bestAccuracy(r);
    return `${r.record.name.slice(sweep.length + 1)}: ${r.record.status}${b !== undefined ? ` ${formatAccuracy(b)}` : ''}`;
  });
  void vscode.window.showInformationMessage(`Freeze sweep ${sweep} done — ${parts.join(', ')}.`, 'Open Comparison').then((a) => {
    if (a) void vscode.commands.executeCommand('transferLab.openComparison');
  });
}
