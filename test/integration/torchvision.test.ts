// A torchvision backbone in the Modules view of a real extension host: resnet18's top-level children
// as rows (counts from PyTorch, inspected with Debian's /usr/bin/python3 and cached), and checkboxes
// that write `freeze:` as for YOLOv5 models, and Start Run training it on the torch engine. No network: the state dict is saved here from a randomly
// initialised resnet18. Skipped where /usr/bin/python3 has no torch/torchvision (`npm test` installs them).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../src/extension/extension';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import { parseExperiment } from '../../src/shared/experiment/parse';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';

const PYTHON = '/usr/bin/python3';
const EXPERIMENT = `# a torchvision backbone
model: torchvision:resnet18
weights: resnet18-init.pth # saved by the test: random init, 1000 classes
data:
  source: mnist
  classes: [0, 1, 2]
train:
  imgsz: 32
freeze: 0
`;

/** Runs Python without blocking the extension host these suites run in. */
function python(code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, ['-c', code], { timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

function freezeOf(uri: vscode.Uri): unknown {
  return parseExperiment(readFileSync(uri.fsPath, 'utf8'), uri.fsPath).experiment?.freeze;
}

suite('Modules view: torchvision backbone', () => {
  let a: TransferLabApi;
  let uri: vscode.Uri;
  let cache: string;
  const saved = { python: process.env.TRANSFER_LAB_PYTHON, cache: process.env.TRANSFER_LAB_CACHE_DIR };

  suiteSetup(async function () {
    if ((await python('import torch, torchvision')).code !== 0) this.skip();
    this.timeout(300_000);
    // The host's Python when the Python extension selects none (it is not installed here), and a
    // fresh cache, so the view really asks PyTorch.
    cache = mkdtempSync(path.join(os.tmpdir(), 'tl-tv-cache-'));
    process.env.TRANSFER_LAB_PYTHON = PYTHON;
    process.env.TRANSFER_LAB_CACHE_DIR = cache;
    const weights = workspaceUri('resnet18-init.pth').fsPath;
    const made = await python(
      `import torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.resnet18().state_dict(), ${JSON.stringify(weights)})`,
    );
    assert.equal(made.code, 0, made.stderr);
    a = await vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!.activate();
    uri = await writeFile('resnet.experiment.yaml', EXPERIMENT);
    await a.files.scan();
    await a.files.select(uri);
    await a.modules.tracker.refresh();
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    await removeFiles(['resnet.experiment.yaml', 'resnet-run.experiment.yaml', 'resnet18-init.pth', 'runs']);
    if (saved.python === undefined) delete process.env.TRANSFER_LAB_PYTHON;
    else process.env.TRANSFER_LAB_PYTHON = saved.python;
    if (saved.cache === undefined) delete process.env.TRANSFER_LAB_CACHE_DIR;
    else process.env.TRANSFER_LAB_CACHE_DIR = saved.cache;
    if (cache) rmSync(cache, { recursive: true, force: true });
  });

  test("shows resnet18's children in order with PyTorch's parameter counts", async () => {
    const expected = JSON.parse(
      (
        await python(
          'import json, torchvision; m = torchvision.models.resnet18(num_classes=3); print(json.dumps([[n, sum(p.numel() for p in c.parameters())] for n, c in m.named_children()]))',
        )
      ).stdout,
    ) as [string, number][];
    const s = a.modules.tracker.state;
    assert.deepEqual(s?.errors, []);
    assert.deepEqual(
      s?.summary?.modules.map((m) => [m.label, m.params]),
      expected,
    );
    const rows = a.modules.tree.moduleRows;
    assert.deepEqual(
      rows.map((r) => r.label),
      expected.map(([n], i) => `${i} ${n}`),
    );
    assert.match(rows[9].description, /^Linear · 1\.54K params · 3$/);
    assert.equal(rows[2].checkbox, undefined, 'relu has nothing to freeze');
    assert.equal(rows[4].checkbox, 'unchecked');
    assert.ok(
      rows[4].children.some((l) => l.id === 'model.4.0.conv1'),
      'layer1 lists its layers',
    );
  });

  test('checkboxes write freeze: and the title commands use the classifier as the head', async () => {
    assert.ok(await a.modules.tree.toggle([{ id: 'model.1', frozen: true }]));
    assert.deepEqual(freezeOf(uri), [1]);
    assert.ok(await a.modules.tree.toggle([{ id: 'model.0', frozen: true }]));
    assert.equal(freezeOf(uri), 2);
    assert.deepEqual(
      a.modules.tree.moduleRows.slice(0, 2).map((r) => r.checkbox),
      ['checked', 'checked'],
    );
    assert.ok(await a.modules.tree.toggle([{ id: 'model.5.0.conv1', frozen: true }]));
    assert.deepEqual(freezeOf(uri), [0, 1, 'model.5.0.conv1']);
    await vscode.commands.executeCommand('transferLab.freezeBackbone');
    assert.equal(freezeOf(uri), 9, 'everything before fc');
    assert.deepEqual(
      a.modules.tree.moduleRows.map((r) => r.checkbox),
      ['checked', 'checked', undefined, undefined, 'checked', 'checked', 'checked', 'checked', undefined, 'unchecked'],
    );
  });

  test('Start Run trains it on the torch engine and lists the finished run in the Runs view', async function () {
    this.timeout(300_000);
    const run = await writeFile(
      'resnet-run.experiment.yaml',
      `model: torchvision:resnet18
weights: resnet18-init.pth
data: { source: mnist, classes: [0, 1], limit: 48 }
train: { epochs: 1, batch: 16, imgsz: 32 }
freeze: 8
`,
    );
    await a.files.scan();
    await a.files.select(run);
    const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
    assert.ok(o && 'runs' in o && o.runs.length === 1, `a run was queued (${JSON.stringify(o)})`);
    const manager = a.runs.manager;
    const state = manager.get(o.runs[0])!;
    await waitFor(() => state.record.status === 'finished' || state.record.status === 'failed', `run ${o.runs[0]} to end`, 240_000);
    assert.equal(state.record.status, 'finished', state.record.error);
    assert.equal(state.record.engine, 'torch');
    assert.deepEqual(
      state.epochs.map((e) => e.epoch),
      [1],
    );
    assert.ok(existsSync(path.join(state.dir, 'weights', 'best', 'model.pt')), 'weights/best as a state dict');
    const rows = a.runs.tree.getChildren().map((n) => (n.kind === 'run' ? n.run.record.name : undefined));
    assert.ok(rows.includes(o.runs[0]), `the Runs view lists ${o.runs[0]} (${rows.join(', ')})`);
  });
});
