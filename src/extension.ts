// Wiring only: each capability lives in its own folder and registers itself here.
import * as vscode from 'vscode';
import { ExperimentFiles } from './experiment/experimentFiles';
import { createExperiment } from './experiment/createExperiment';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const files = new ExperimentFiles(context.workspaceState);
  context.subscriptions.push(
    files,
    vscode.commands.registerCommand('transferLab.createExperiment', () => createExperiment(files)),
    vscode.commands.registerCommand('transferLab.selectExperiment', () => files.pick()),
  );
  await files.scan();
}

export function deactivate(): void {
  // Disposables in context.subscriptions are cleaned up by VS Code.
}
