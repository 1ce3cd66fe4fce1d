// The foundation inside a real extension host: activation, contributions, and "Create Experiment".
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { workspaceUri, removeFiles, waitFor } from './util';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

suite('Foundation', () => {
  const ext = () => vscode.extensions.getExtension('transfer-lab.transfer-lab');

  test('the extension activates and registers every contributed command with a category', async () => {
    const e = ext();
    assert.ok(e, 'extension transfer-lab.transfer-lab is loaded');
    await e.activate();
    const contributed = e.packageJSON.contributes.commands as ContributedCommand[];
    assert.ok(contributed.length >= 10);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.equal(c.category, 'Transfer Lab', `${c.command} has the Transfer Lab category`);
      assert.ok(registered.has(c.command), `${c.command} is registered`);
    }
  });

  test('Create Experiment scaffolds a valid, commented experiment.yaml and opens it', async () => {
    await removeFiles(['experiment.yaml', 'model.yaml']);
    await vscode.commands.executeCommand('transferLab.createExperiment');
    const target = workspaceUri('experiment.yaml');
    const editor = await waitFor(() => {
      const ed = vscode.window.activeTextEditor;
      return ed?.document.uri.fsPath === target.fsPath ? ed : undefined;
    }, 'experiment.yaml to open in an editor');
    const text = editor.document.getText();
    assert.match(text, /^#/m, 'the scaffold is commented');
    const parsed = parseExperiment(text, target.fsPath);
    assert.deepEqual(
      parsed.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.ok(parsed.experiment, 'the scaffold parses');
    const model = await vscode.workspace.fs.stat(workspaceUri('model.yaml'));
    assert.ok(model.size > 0, 'the architecture file the scaffold names exists');
    await removeFiles(['experiment.yaml', 'model.yaml']);
  });
});
