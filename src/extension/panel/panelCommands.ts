// The panel's command. Contributed in package.json as
//   { "command": "transferLab.openComparison", "title": "Open Comparison", "category": "Transfer Lab" }
import * as vscode from 'vscode';
import { ComparisonPanel, type PanelOptions } from './comparisonPanel';
import type { RunsSource } from './runsSource';

export const OPEN_COMPARISON_COMMAND = 'transferLab.openComparison';

/** Registers `transferLab.openComparison`. The command returns the panel (tests read its messageLog). */
export function registerPanelCommands(
  context: vscode.ExtensionContext,
  source: RunsSource,
  options: PanelOptions = {},
): vscode.Disposable[] {
  return [vscode.commands.registerCommand(OPEN_COMPARISON_COMMAND, () => ComparisonPanel.createOrShow(context, source, options))];
}
