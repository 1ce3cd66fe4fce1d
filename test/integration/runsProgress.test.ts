// The Runs view's row and the status bar during a real run: both are drawn from one event source
// (the RunsFeed's ticks), so at every moment the row shows the epoch and batch progress the status
// bar shows. Before, the status bar followed every batch event while the rows were redrawn on a
// separate timer, and a row could show an older epoch than the status bar.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import type { RunsTreeNode } from '../../src/extension/runs/runsTree';
import type { RunState } from '../../src/extension/runs/runsManager';
import { removeFiles, writeFile } from './util';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const MODEL = readFileSync(path.join(REPO, 'examples', 'digits', 'model.yaml'), 'utf8');
// Four epochs of 30 batches: many batch events a second, for a few seconds.
const EXPERIMENT = `model: progress-model.yaml
data:
  source: mnist
  classes: [0, 1]
  limit: 600
train:
  epochs: 4
  batch: 16
  seed: 0
freeze: 0
`;
const FILES = ['progress-model.yaml', 'progress.experiment.yaml'];

interface Api {
  files: ExperimentFiles;
  runs: RunsRegistration;
}

/** The progress part of the status-bar text `$(sync~spin) <name>: <progress> · ETA …`. */
function statusProgress(text: string, name: string): string | undefined {
  const at = text.indexOf(`${name}: `);
  if (at < 0) return undefined;
  return text
    .slice(at + name.length + 2)
    .split(' · ')[0]
    .replace(/ \(\+\d+ running\)$/, '');
}

function drawsRun(e: RunsTreeNode | RunsTreeNode[] | undefined | null, run: RunState): boolean {
  if (!e) return true; // the whole tree
  return (Array.isArray(e) ? e : [e]).some((n) => (n.kind === 'run' ? n.run.dir === run.dir : n.runs.some((r) => r.dir === run.dir)));
}

suite('Runs progress', () => {
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    await removeFiles(FILES);
  });

  test('the Runs view row and the status bar show the same progress at every moment of a run', async () => {
    const a = (await vscode.extensions.getExtension('transfer-lab.transfer-lab')!.activate()) as Api;
    await a.runs.manager.ready;
    await vscode.commands.executeCommand('transferLab.runs.focus');
    await writeFile('progress-model.yaml', MODEL);
    await a.files.select(await writeFile('progress.experiment.yaml', EXPERIMENT));
    const { tree, statusBar } = a.runs;

    // What the row says as the view was last told to draw it.
    let row: string | undefined;
    let run: RunState | undefined;
    const sub = tree.onDidChangeTreeData((e) => {
      if (run && drawsRun(e, run)) row = String(tree.getTreeItem({ kind: 'run', run }).description);
    });
    try {
      const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun');
      assert.ok(o && 'runs' in o, `a run was queued (${JSON.stringify(o)})`);
      run = a.runs.manager.get(o.runs[0])!;
      row = String(tree.getTreeItem({ kind: 'run', run }).description);
      const seen: string[] = [];
      const differ: string[] = [];
      while (a.runs.manager.isActive(run) || run.record.status === 'running') {
        const text = statusBar.text;
        const progress = text && statusProgress(text, run.record.name);
        if (progress) {
          if (seen.at(-1) !== progress) seen.push(progress);
          if (!row.includes(progress)) differ.push(`status bar "${progress}", row "${row}"`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(run.record.status, 'finished', `the run finished (${run.record.error ?? ''})`);
      assert.ok(
        seen.some((p) => /^epoch [2-4]\/4/.test(p)),
        `the status bar showed the run's epochs: ${seen.join(', ')}`,
      );
      assert.deepEqual(differ.slice(0, 5), [], `${differ.length} of the samples disagreed`);
    } finally {
      sub.dispose();
    }
  });
});
