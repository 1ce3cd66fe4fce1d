// Wires "Transfer Lab: Find Learning Rate" (transferLab.findLearningRate): the command returns what
// it did (the result file and the result, or why nothing ran) for tests and other commands.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ExperimentFiles } from '../experiment/experimentFiles';
import { ComparisonPanel, type PanelOptions } from '../panel/comparisonPanel';
import type { RunsSource } from '../panel/runsSource';
import { findLearningRate, type LrFindArgs } from './findLearningRate';

export const FIND_LR_COMMAND = 'transferLab.findLearningRate';

function isLrFindArgs(x: unknown): x is LrFindArgs {
  if (typeof x !== 'object' || x === null) return false;
  const steps = (x as { steps?: unknown }).steps;
  return steps === undefined || (Number.isInteger(steps) && (steps as number) >= 2);
}

export function registerLrFind(
  context: vscode.ExtensionContext,
  files: ExperimentFiles,
  source: RunsSource,
  options: PanelOptions = {},
): vscode.Disposable {
  const deps = {
    trainerScript: path.join(context.extensionPath, 'dist', 'trainer.js'),
    files,
    show: (result: Parameters<ComparisonPanel['showLrFind']>[0]) =>
      ComparisonPanel.createOrShow(context, source, options).showLrFind(result),
  };
  return vscode.commands.registerCommand(FIND_LR_COMMAND, (args?: unknown) => findLearningRate(deps, isLrFindArgs(args) ? args : {}));
}
