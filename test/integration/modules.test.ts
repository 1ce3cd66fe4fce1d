// The Modules view inside a real extension host: checkboxes write `freeze:` as an undoable edit,
// counts follow, hand edits update the tree, and broken input shows where it is broken.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../src/extension/extension';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { removeFiles, writeFile, waitFor } from './util';
import { ModelStateTracker } from '../../src/extension/modules/modelState';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const MODEL = readFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), 'utf8');
const EXPERIMENT = `# my experiment
model: model.yaml # the architecture
data:
  source: mnist
  classes: [0, 1, 2]
train:
  epochs: 1
freeze: 0 # what to freeze
# trailing comment
`;

async function api(): Promise<TransferLabApi> {
  const ext = vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!;
  return ext.activate();
}

function freezeLine(uri: vscode.Uri): string {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = doc ? doc.getText() : readFileSync(uri.fsPath, 'utf8');
  return text.split('\n').find((l) => l.startsWith('freeze:')) ?? '';
}

suite('Modules view', () => {
  let uri: vscode.Uri;
  let a: TransferLabApi;

  suiteSetup(async () => {
    a = await api();
    await writeFile('model.yaml', MODEL);
    uri = await writeFile('modules.experiment.yaml', EXPERIMENT);
    await a.files.scan();
    await a.files.select(uri);
    await a.modules.tracker.refresh();
  });
  suiteTeardown(async () => {
    await removeFiles(['modules.experiment.yaml', 'model.yaml']);
  });

  test('shows one row per module with counts and the trainable description', async () => {
    const rows = a.modules.tree.moduleRows;
    assert.equal(rows.length, 9);
    assert.match(rows[0].label, /^0 Conv/);
    assert.equal(rows[0].checkbox, 'unchecked');
    assert.ok(rows[0].children.length >= 2, 'Conv has conv and bn layers');
    assert.match(a.modules.tree.view.description ?? '', /^all \d+(\.\d+)?K trainable$/, 'nothing frozen: the whole model trains');
  });

  // activate() registers the tree before it knows which experiment to read, so the window's first
  // request for rows can come before the first reading: it must wait for that reading, not get none.
  test('before its first reading, waiting on the model waits for that reading', async () => {
    const tracker = new ModelStateTracker(a.files);
    try {
      let settled = false;
      const first = tracker.whenSettled().then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(settled, false, 'nothing read yet, so nothing settled');
      void tracker.refresh();
      await first;
      assert.equal(tracker.state?.summary?.modules.length, 9, 'settled with the model read');
    } finally {
      tracker.dispose();
    }
  });

  test('checking a module writes freeze: into the file (comments kept), counts follow, undo restores', async () => {
    const before = a.modules.tree.view.description;
    assert.ok(await a.modules.tree.toggle([{ id: 'model.0', frozen: true }]));
    assert.equal(freezeLine(uri), 'freeze: 1 # what to freeze');
    const text = readFileSync(uri.fsPath, 'utf8');
    assert.match(text, /^# my experiment/);
    assert.match(text, /# trailing comment/);
    assert.equal(a.modules.tree.moduleRows[0].checkbox, 'checked');
    assert.notEqual(a.modules.tree.view.description, before);

    assert.ok(await a.modules.tree.toggle([{ id: 'model.4', frozen: true }]));
    const spec = parseExperiment(readFileSync(uri.fsPath, 'utf8'), uri.fsPath).experiment!.freeze;
    assert.deepEqual(spec, [0, 4]);

    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('undo');
    await waitFor(() => freezeLine(uri) === 'freeze: 1 # what to freeze', 'undo to restore freeze: 1');
  });

  test('title commands: Freeze Backbone, Freeze All but Head, Unfreeze All', async () => {
    await vscode.commands.executeCommand('transferLab.freezeBackbone');
    assert.equal(freezeLine(uri), 'freeze: 6 # what to freeze');
    await vscode.commands.executeCommand('transferLab.freezeAllButHead');
    assert.equal(freezeLine(uri), 'freeze: 8 # what to freeze');
    const rows = a.modules.tree.moduleRows;
    assert.equal(rows[7].checkbox, 'checked');
    assert.equal(rows[8].checkbox, 'unchecked');
    await vscode.commands.executeCommand('transferLab.unfreezeAll');
    assert.equal(freezeLine(uri), 'freeze: 0 # what to freeze');
  });

  test('Undo Freeze Change (Ctrl+Z in the view) undoes checkbox clicks with the file closed, as edits the file’s own undo has too', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const onDisk = (): string =>
      readFileSync(uri.fsPath, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('freeze:')) ?? '';
    assert.ok(await a.modules.tree.toggle([{ id: 'model.2', frozen: true }]));
    assert.ok(await a.modules.tree.toggle([{ id: 'model.4', frozen: true }]));
    assert.equal(onDisk(), 'freeze: [2, 4] # what to freeze');
    await vscode.commands.executeCommand('transferLab.modules.focus');
    assert.equal(await vscode.commands.executeCommand('transferLab.undoFreezeChange'), true);
    assert.equal(onDisk(), 'freeze: [2] # what to freeze', 'the last click is undone and saved');
    assert.equal(a.modules.tree.moduleRows[4].checkbox, 'unchecked');
    assert.equal(a.modules.tree.moduleRows[2].checkbox, 'checked');
    assert.equal(await vscode.commands.executeCommand('transferLab.undoFreezeChange'), true);
    assert.equal(onDisk(), 'freeze: 0 # what to freeze');
    assert.equal(vscode.window.visibleTextEditors.length, 0, 'no editor was opened');
    // The key runs it only where the user is: focus in the Modules view.
    const keys = (
      vscode.extensions.getExtension('transfer-lab.transfer-lab')!.packageJSON.contributes.keybindings as {
        command: string;
        key: string;
        when: string;
      }[]
    ).filter((k) => k.command === 'transferLab.undoFreezeChange');
    assert.deepEqual(
      keys.map((k) => [k.key, k.when]),
      [['ctrl+z', 'focusedView == transferLab.modules']],
    );

    // The undo was an ordinary edit: the file's editor can undo it in turn.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await vscode.commands.executeCommand('undo');
    await waitFor(() => freezeLine(uri) === 'freeze: [2] # what to freeze' || undefined, 'the editor to undo the view’s undo');
    // A file changed since the last freeze change is left as the user has it.
    await vscode.commands.executeCommand('transferLab.unfreezeAll');
    const doc = await vscode.workspace.openTextDocument(uri);
    const we = new vscode.WorkspaceEdit();
    we.insert(uri, new vscode.Position(0, 0), '# edited by hand\n');
    await vscode.workspace.applyEdit(we);
    const edited = doc.getText();
    assert.equal(await vscode.commands.executeCommand('transferLab.undoFreezeChange'), false);
    assert.equal(doc.getText(), edited, 'nothing was undone over the hand edit');
    await vscode.commands.executeCommand('undo');
    await doc.save();
    assert.equal(freezeLine(uri), 'freeze: 0 # what to freeze');
  });

  test('Set Learning-Rate Multiplier… on a module row: asks, writes train.lrMult, shows it in the row, undoes', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const menus = vscode.extensions.getExtension('transfer-lab.transfer-lab')!.packageJSON.contributes.menus['view/item/context'] as {
      command: string;
      when: string;
    }[];
    assert.ok(menus.some((m) => m.command === 'transferLab.setLrMultiplier' && /view == transferLab\.modules/.test(m.when)));
    const node = { kind: 'module', row: a.modules.tree.moduleRows[0] };
    // The real input box opens and waits; closing it (Escape) changes nothing.
    const before = readFileSync(uri.fsPath, 'utf8');
    const asked = vscode.commands.executeCommand<boolean>('transferLab.setLrMultiplier', node);
    await new Promise((r) => setTimeout(r, 1000));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await asked, false);
    assert.equal(readFileSync(uri.fsPath, 'utf8'), before);
    // An extension host cannot type into it: the answer comes as the command's second argument,
    // checked by the same validation (lrMultInput.ts, unit-tested).
    assert.equal(await vscode.commands.executeCommand('transferLab.setLrMultiplier', node, '0.25'), true);
    const onDisk = () => readFileSync(uri.fsPath, 'utf8');
    assert.match(onDisk(), /^train:\n {2}epochs: 1\n {2}lrMult:\n {4}0: 0\.25\n/m);
    assert.match(onDisk(), /^# my experiment/, 'comments kept');
    assert.match(a.modules.tree.moduleRows[0].description, / · lr ×0\.25$/);
    assert.match(a.modules.tree.moduleRows[2].description, / · lr ×1$/);
    // Another module through the argument the command also takes; a bad value changes nothing.
    assert.equal(await vscode.commands.executeCommand('transferLab.setLrMultiplier', { id: 'model.2' }, '0'), false);
    assert.equal(await vscode.commands.executeCommand('transferLab.setLrMultiplier', { id: 'model.2' }, '0.1'), true);
    assert.match(onDisk(), / {2}lrMult:\n {4}0: 0\.25\n {4}2: 0\.1\n/);
    assert.equal(
      await vscode.commands.executeCommand('transferLab.setLrMultiplier', { id: 'model.1' }, '0.1'),
      false,
      'MaxPool has no parameters',
    );
    // Undo, from the view with the file closed, as for checkbox clicks: last change first.
    assert.equal(await vscode.commands.executeCommand('transferLab.undoFreezeChange'), true);
    assert.doesNotMatch(onDisk(), /2: 0\.1/);
    assert.equal(await vscode.commands.executeCommand('transferLab.undoFreezeChange'), true);
    assert.equal(onDisk(), EXPERIMENT.replace('freeze: 0 #', `${freezeLine(uri).split('#')[0]}#`));
    await waitFor(() => !/lr ×/.test(a.modules.tree.moduleRows[0].description) || undefined, 'the multiplier to leave the row');
    // The tests after this one edit the file in its editor (and undo there): leave it open, as found.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  });

  test('editing freeze: by hand updates the tree', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('freeze:'));
    const we = new vscode.WorkspaceEdit();
    we.replace(uri, new vscode.Range(line, 0, line, 'freeze: 0'.length), 'freeze: [2]');
    await vscode.workspace.applyEdit(we);
    await waitFor(() => a.modules.tree.moduleRows[2]?.checkbox === 'checked' || undefined, 'module 2 to show frozen');
    assert.equal(a.modules.tree.moduleRows[0].checkbox, 'unchecked');
    await doc.save();
  });

  test('broken YAML: a diagnostic on the right line, a message in the view, and no rewrite', async () => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const broken = doc.getText().replace('  classes: [0, 1, 2]', '  classes: [0, 1, 2');
    const we = new vscode.WorkspaceEdit();
    we.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), broken);
    await vscode.workspace.applyEdit(we);
    await waitFor(() => a.modules.tree.view.message, 'the view to show the error');
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Transfer Lab');
      return d.length ? d : undefined;
    }, 'a diagnostic');
    assert.ok(
      diags[0].range.start.line >= 4 && diags[0].range.start.line <= 8,
      `diagnostic near the broken list, got line ${diags[0].range.start.line + 1}`,
    );
    const textBefore = doc.getText();
    assert.equal(await a.modules.tree.toggle([{ id: 'model.0', frozen: true }]), false);
    assert.equal(doc.getText(), textBefore, 'the broken file is not rewritten');
    await vscode.commands.executeCommand('undo');
    await doc.save();
  });

  test('an unknown module type is reported in the model file at its line', async () => {
    const modelUri = await writeFile('model.yaml', MODEL.replace('[-1, 1, Flatten, []]', '[-1, 1, Flattenn, []]'));
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(modelUri).filter((x) => x.source === 'Transfer Lab');
      return d.length ? d : undefined;
    }, 'a diagnostic in model.yaml');
    const expectedLine = MODEL.split('\n').findIndex((l) => l.includes('Flatten'));
    assert.equal(diags[0].range.start.line, expectedLine);
    assert.match(diags[0].message, /Flattenn/);
    await writeFile('model.yaml', MODEL);
  });

  test('a tfjs model.json: modules from its layers; a truncated weights file is reported at its manifest line', async () => {
    const fixture = path.join(REPO, 'test', 'fixtures', 'models', 'tfjs-sequential');
    const modelJson = readFileSync(path.join(fixture, 'model.json'), 'utf8');
    const weights = readFileSync(path.join(fixture, 'weights.bin'));
    await writeFile('tfjs/model.json', modelJson);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(uri, '..', 'tfjs', 'weights.bin'), weights);
    const tfjsExp = await writeFile('tfjs.experiment.yaml', 'model: tfjs/model.json\ndata: { source: folder, path: data }\nfreeze: 1\n');
    await a.files.select(tfjsExp);
    await a.modules.tracker.refresh();
    assert.ok(a.modules.tree.moduleRows.length >= 2, 'one row per top-level layer');
    assert.equal(a.modules.tree.moduleRows[0].checkbox, 'checked');

    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(uri, '..', 'tfjs', 'weights.bin'), weights.subarray(0, weights.length - 8));
    await a.modules.tracker.refresh();
    const modelUri = vscode.Uri.joinPath(uri, '..', 'tfjs', 'model.json');
    const diags = vscode.languages.getDiagnostics(modelUri).filter((x) => x.source === 'Transfer Lab');
    assert.ok(diags.length > 0, 'a diagnostic in model.json');
    const line = modelJson.split('\n').findIndex((l) => l.includes('weights.bin'));
    assert.equal(diags[0].range.start.line, line);
    assert.match(diags[0].message, /weights/);
    assert.ok(a.modules.tree.view.message, 'the view says what is wrong');
    await removeFiles(['tfjs', 'tfjs.experiment.yaml']);
    await a.files.select(uri);
  });
});
