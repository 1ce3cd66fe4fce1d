// A settled run's icon in the Runs view is its comparison colour: the same colour the panel
// gives its lines (one colour book, shared by both and kept in the workspace state).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../src/extension/extension';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';

const NAMES = ['colors-it-a', 'colors-it-b'];

function epoch(): EpochMetrics {
  return {
    epoch: 1,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': 0.5,
    lr: 0.001,
    epoch_seconds: 1,
    images_per_second: 100,
    tensor_bytes: 1e6,
    rss_bytes: 1e8,
    time: new Date().toISOString(),
  };
}

suite('Run colours', () => {
  suiteTeardown(async () => {
    await removeFiles(NAMES.map((n) => `runs/${n}`));
  });

  test('finished runs show their panel colour as the Runs view icon', async () => {
    const api = await vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!.activate();
    for (const name of NAMES) {
      const record: RunRecord = { name, status: 'finished', experiment: workspaceUri('x.experiment.yaml').fsPath, freeze: 0, epochs: 1 };
      await writeFile(`runs/${name}/metrics.jsonl`, JSON.stringify(epoch()) + '\n');
      await writeFile(`runs/${name}/run.json`, JSON.stringify(record));
    }
    const { manager, tree } = api.runs;
    await waitFor(() => NAMES.every((n) => manager.get(n)), 'the runs to be listed');
    const colors = api.runs.colors.colors(manager.list().map((r) => r.record.name));
    for (const name of NAMES) {
      const icon = await waitFor(() => {
        const p = tree.getTreeItem({ kind: 'run', run: manager.get(name)! }).iconPath;
        return p instanceof vscode.Uri ? p : undefined;
      }, `a colour icon for ${name}`);
      assert.equal(path.basename(icon.fsPath), `${colors.get(name)!.slice(1)}.svg`);
      assert.ok(existsSync(icon.fsPath), 'the swatch file exists');
    }
    const icons = NAMES.map((n) => (tree.getTreeItem({ kind: 'run', run: manager.get(n)! }).iconPath as vscode.Uri).fsPath);
    assert.notEqual(icons[0], icons[1], 'two runs, two colours');
  });
});
