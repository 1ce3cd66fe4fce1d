// The Predictions section's host side inside a real VS Code: the real webview asks for the shown
// runs' predictions, the host answers from the run folder's predictions/best.json (rewritten files
// are sent again), and an image index of an image-folder run opens that file in an editor.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ComparisonPanel } from '../../src/extension/panel/comparisonPanel';
import { openPredictionImage } from '../../src/extension/panel/panelRequests';
import type { HostMessage, WebviewMessage } from '../../src/shared/panel/contract';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { handMadePredictions, TINY_PNG } from '../support/predictionsFixture';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';

const RUN = 'panel-it-predictions';
const files = ['val/cat/0.png', 'val/cat/1.png', 'val/dog/2.png', 'val/dog/3.png', 'val/dog/4.png', 'val/fox/5.png'];

function record(): RunRecord {
  return {
    name: RUN,
    status: 'finished',
    experiment: workspaceUri('transfer.experiment.yaml').fsPath,
    freeze: 0,
    epochs: 1,
    data: `folder ${workspaceUri('pred-it-data').fsPath}`,
    startedAt: '2024-01-01T00:00:00.000Z',
  };
}

const epochLine = JSON.stringify({
  epoch: 1,
  'train/loss': 1,
  'val/loss': 1,
  'val/accuracy': 0.5,
  lr: 0.001,
  epoch_seconds: 1,
  images_per_second: 6,
  tensor_bytes: 1,
  rss_bytes: 1,
  time: '2024-01-01T00:01:00.000Z',
});

function predictionsSent(panel: ComparisonPanel): Array<Extract<HostMessage, { type: 'predictions' }>> {
  return panel.messageLog
    .filter((m) => m.direction === 'sent')
    .map((m) => m.message as HostMessage)
    .filter((m): m is Extract<HostMessage, { type: 'predictions' }> => m.type === 'predictions' && m.run === RUN);
}

suite('Comparison panel: predictions', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension('transfer-lab.transfer-lab')?.activate();
    await removeFiles([`runs/${RUN}`, 'pred-it-data']);
    await writeFile(`runs/${RUN}/run.json`, JSON.stringify(record()));
    await writeFile(`runs/${RUN}/metrics.jsonl`, epochLine + '\n');
    await writeFile(`runs/${RUN}/predictions/best.json`, JSON.stringify(handMadePredictions({ files })));
    await vscode.workspace.fs.writeFile(workspaceUri('pred-it-data', 'val', 'dog', '2.png'), Buffer.from(TINY_PNG, 'base64'));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await removeFiles([`runs/${RUN}`, 'pred-it-data']);
  });

  test('the webview asks for the shown runs; the host sends their predictions, and again when rewritten', async () => {
    const panel = await vscode.commands.executeCommand<ComparisonPanel>('transferLab.openComparison');
    await waitFor(
      () =>
        panel.messageLog.some(
          (m) =>
            m.direction === 'received' &&
            (m.message as WebviewMessage).type === 'requestPredictions' &&
            JSON.stringify(m.message).includes(RUN),
        ),
      'the webview to ask for the run’s predictions',
      60_000,
    );
    const first = await waitFor(() => predictionsSent(panel)[0], 'the host to send the predictions');
    assert.equal(first.view.kind, 'predictions');
    assert.equal(first.view.kind === 'predictions' && first.view.file, workspaceUri('runs', RUN, 'predictions', 'best.json').fsPath);
    // The trainer rewrites best.json after a new best epoch; the next epoch line makes the host look.
    await writeFile(`runs/${RUN}/predictions/best.json`, JSON.stringify(handMadePredictions({ files, epoch: 9 })));
    await writeFile(`runs/${RUN}/metrics.jsonl`, epochLine + '\n' + epochLine.replace('"epoch":1', '"epoch":2') + '\n');
    const second = await waitFor(() => predictionsSent(panel)[1], 'the host to send the rewritten predictions');
    assert.equal(second.view.kind === 'predictions' && second.view.predictions.epoch, 9);
    assert.deepEqual(
      panel.messageLog.filter((m) => m.problem).map((m) => m.problem),
      [],
    );
  });

  test('an image index opens the image file under the run’s data folder', async () => {
    await openPredictionImage(record(), handMadePredictions({ files }), 2);
    const opened = await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input && typeof input === 'object' && 'uri' in input ? (input.uri as vscode.Uri) : undefined;
    }, 'the image to open');
    assert.equal(opened.fsPath, workspaceUri('pred-it-data', 'val', 'dog', '2.png').fsPath);
  });
});
