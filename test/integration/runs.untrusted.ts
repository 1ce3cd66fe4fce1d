// Restricted Mode (workspace trust on, workspace not trusted): nothing launches, every run command (and the LR finder)
// says why, and the Runs view still shows what the run folders hold, without writing to them.
import * as assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { removeFiles, waitFor, workspaceUri, writeFile as writeWorkspaceFile } from './util';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');

interface Api {
  files: ExperimentFiles;
  runs: RunsRegistration;
}

function epoch(n: number, acc: number): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 0.5,
    'val/loss': 0.6,
    'val/accuracy': acc,
    lr: 0.002,
    epoch_seconds: 1.5,
    images_per_second: 300,
    tensor_bytes: 1000,
    rss_bytes: 1e8,
    time: new Date().toISOString(),
  };
}

suite('Runs in Restricted Mode', () => {
  let a: Api;
  const runsDir = () => path.join(workspaceUri().fsPath, 'runs');

  suiteSetup(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite runs in an untrusted workspace');
    // Run folders made before the workspace was opened: one finished, one claiming a dead process.
    await mkdir(path.join(runsDir(), 'old-finished'), { recursive: true });
    const finished: RunRecord = {
      name: 'old-finished',
      status: 'finished',
      experiment: '/elsewhere/e.yaml',
      freeze: 6,
      epochs: 2,
      epochsDone: 2,
      engine: 'wasm',
      device: 'CPU',
    };
    await writeFile(path.join(runsDir(), 'old-finished', 'run.json'), JSON.stringify(finished));
    await writeFile(
      path.join(runsDir(), 'old-finished', 'metrics.jsonl'),
      `${JSON.stringify(epoch(1, 0.8))}\n${JSON.stringify(epoch(2, 0.9))}\n`,
    );
    const ghost = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => ghost.on('exit', r));
    await mkdir(path.join(runsDir(), 'old-ghost'), { recursive: true });
    const running: RunRecord = { name: 'old-ghost', status: 'running', experiment: '/elsewhere/e.yaml', freeze: 0, pid: ghost.pid };
    await writeFile(path.join(runsDir(), 'old-ghost', 'run.json'), JSON.stringify(running));
    await writeWorkspaceFile('runs-model.yaml', readFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), 'utf8'));
    const exp = await writeWorkspaceFile(
      'runs-u.experiment.yaml',
      'model: runs-model.yaml\ndata:\n  source: mnist\n  classes: [0, 1]\n  limit: 64\ntrain:\n  epochs: 1\nfreeze: 0\n',
    );
    a = (await vscode.extensions.getExtension('transfer-lab.transfer-lab')!.activate()) as Api;
    await a.files.select(exp);
  });

  suiteTeardown(async () => {
    await removeFiles(['runs', 'runs-model.yaml', 'runs-u.experiment.yaml']);
  });

  test('Start Run, Start Freeze Sweep, Show Engines and the rest launch nothing and say why', async () => {
    const before = a.runs.manager.list().length;
    for (const [command, args] of [
      ['transferLab.startRun', []],
      ['transferLab.startSweep', [{ freeze: [0, 6] }]],
      ['transferLab.showEngines', []],
      ['transferLab.resumeRun', ['old-finished']],
      ['transferLab.findLearningRate', [{ steps: 10 }]],
    ] as const) {
      const o = await vscode.commands.executeCommand<LaunchOutcome>(command, ...args);
      assert.ok(o && 'refused' in o, `${command} refused`);
      assert.match(o.refused, /Restricted Mode/, `${command} says why`);
    }
    assert.match(String(await vscode.commands.executeCommand('transferLab.stopRun', 'old-finished')), /Restricted Mode/);
    assert.equal(await vscode.commands.executeCommand('transferLab.deleteRun', 'old-finished'), false);
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    assert.equal(a.runs.manager.list().length, before, 'no run was queued');
    const names = (await readdir(runsDir())).sort();
    assert.deepEqual(names, ['old-finished', 'old-ghost'], 'no run folder was created');
  });

  test('the Runs view still shows run folders, read-only', async () => {
    const m = a.runs.manager;
    const finished = await waitFor(() => m.get('old-finished'), 'the finished run to be listed');
    assert.deepEqual(
      finished.epochs.map((e) => e.epoch),
      [1, 2],
      'its metrics were read',
    );
    const ghost = await waitFor(
      () => (m.get('old-ghost')?.record.status === 'failed' ? m.get('old-ghost') : undefined),
      'the dead run to show as failed',
    );
    assert.match(ghost.record.error ?? '', /ended/);
    const disk = JSON.parse(await readFile(path.join(runsDir(), 'old-ghost', 'run.json'), 'utf8')) as RunRecord;
    assert.equal(disk.status, 'running', 'nothing is written to the workspace while it is untrusted');
  });
});
