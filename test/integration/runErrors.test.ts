// Failures a user has to hear about reach them instead of reading as "absent": here, pretrained
// weights that cannot be reached for another reason than not existing yet. Pretraining makes
// missing weights; it cannot make weights whose path runs through a file, so nothing is queued
// and the message names the path and what is wrong with it.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import { removeFiles, writeFile } from './util';

const FILES = ['errors-model.yaml', 'errors-pre.experiment.yaml', 'errors-transfer.experiment.yaml'];

const EXPERIMENT = `model: errors-model.yaml
data:
  source: mnist
  classes: [0, 1]
  limit: 64
train:
  epochs: 1
  batch: 16
  lr: 0.002
  seed: 0
freeze: 0
`;

suite('Run errors', () => {
  suiteTeardown(() => removeFiles(FILES));

  test('weights behind a file are not "missing": no pretraining is queued, the path and ENOTDIR are said', async () => {
    const ext = vscode.extensions.getExtension('transfer-lab.transfer-lab')!;
    const api = (await ext.activate()) as { files: ExperimentFiles; runs: RunsRegistration };
    const manager = api.runs.manager;
    await manager.ready;
    await writeFile('errors-model.yaml', 'not a folder\n');
    await writeFile('errors-pre.experiment.yaml', EXPERIMENT);
    const transfer = await writeFile(
      'errors-transfer.experiment.yaml',
      EXPERIMENT.replace('freeze: 0', 'freeze: 1\nweights: errors-model.yaml/weights/best\npretrain: errors-pre.experiment.yaml'),
    );
    await api.files.select(transfer);
    const before = manager.list().length;
    const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
    assert.ok(o && 'refused' in o, `nothing was queued (${JSON.stringify(o)})`);
    assert.match(o.refused, /errors-model\.yaml[\\/]weights[\\/]best: .*ENOTDIR/);
    assert.equal(manager.list().length, before, 'no run (pretraining or transfer) appeared');
  });
});
