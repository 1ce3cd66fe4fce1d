// The comparison panel inside a real VS Code: two run folders on disk, "Open Comparison", then the
// message flow between the host and the real webview (which must load under the CSP, post `ready`,
// receive the runs, and report what it drew), a live append and a status change.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../src/extension/extension';
import type { ComparisonPanel, LoggedMessage } from '../../src/extension/panel/comparisonPanel';
import type { HostMessage, WebviewMessage } from '../../src/shared/panel/contract';
import { RunStore } from '../../webview/runStore';
import { buildSummary, formatDelta } from '../../src/shared/panel/summary';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';

const A = 'panel-it-freeze-0';
const B = 'panel-it-freeze-10';

function epoch(n: number, acc: number, secs: number, bytes: number): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 1 / n,
    'val/loss': 1.2 / n,
    'val/accuracy': acc,
    lr: 0.001,
    epoch_seconds: secs,
    images_per_second: 640 / secs,
    tensor_bytes: bytes,
    rss_bytes: 3e8,
    time: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString(),
  };
}

function record(name: string, freeze: number, status: RunRecord['status']): RunRecord {
  return {
    name,
    status,
    experiment: workspaceUri('transfer.experiment.yaml').fsPath,
    freeze,
    epochs: 4,
    trainableParams: freeze ? 1000 : 5000,
    totalParams: 5000,
    startedAt: '2024-01-01T00:00:00.000Z',
  };
}

const lines = (eps: EpochMetrics[]) => eps.map((e) => JSON.stringify(e) + '\n').join('');

/** The webview's view of the runs, rebuilt from what the host sent. */
function replay(log: readonly LoggedMessage[]): RunStore {
  const store = new RunStore();
  for (const m of log) if (m.direction === 'sent') store.apply(m.message as HostMessage);
  return store;
}

function received(log: readonly LoggedMessage[]): WebviewMessage[] {
  return log.filter((m) => m.direction === 'received' && !m.problem).map((m) => m.message as WebviewMessage);
}

suite('Comparison panel', () => {
  const epochsA = [epoch(1, 0.6, 3, 1e8), epoch(2, 0.8, 3, 1e8), epoch(3, 0.9, 3, 1e8)];
  const epochsB = [epoch(1, 0.55, 1, 6e7), epoch(2, 0.75, 1, 6e7), epoch(3, 0.88, 1, 6e7)];

  suiteSetup(async () => {
    // Activated first, so the command runs in this extension host and returns the panel object
    // itself (a command the main thread has to activate the extension for returns a serialized copy).
    await vscode.extensions.getExtension('transfer-lab.transfer-lab')?.activate();
    await removeFiles([`runs/${A}`, `runs/${B}`]);
    await writeFile(`runs/${A}/run.json`, JSON.stringify(record(A, 0, 'finished')));
    await writeFile(`runs/${A}/metrics.jsonl`, lines(epochsA));
    // A run record says `running` only while its trainer lives (the Runs capability marks others
    // failed on activation), so B is a stopped run whose file still grows, as when it is resumed.
    await writeFile(`runs/${B}/run.json`, JSON.stringify(record(B, 10, 'stopped')));
    // The last line is torn (the trainer is mid-write): it must not arrive.
    await writeFile(`runs/${B}/metrics.jsonl`, lines(epochsB) + JSON.stringify(epoch(4, 0.9, 1, 6e7)).slice(0, 40));
  });

  suiteTeardown(async () => {
    await removeFiles([`runs/${A}`, `runs/${B}`]);
  });

  test('Open Comparison shows the runs, their series and the summary, then follows the run live', async () => {
    const panel = await vscode.commands.executeCommand<ComparisonPanel>('transferLab.openComparison');
    assert.ok(panel && Array.isArray(panel.messageLog), 'the command returns the panel (messageLog is the test hook)');

    // The webview loaded (scripts allowed by the CSP) and asked for data.
    await waitFor(() => received(panel.messageLog).some((m) => m.type === 'ready'), 'the webview to post ready', 60_000);
    const sent = panel.messageLog.filter((m) => m.direction === 'sent');
    assert.equal((sent[0]?.message as HostMessage | undefined)?.type, 'init', 'nothing is sent before ready, then init first');

    // Both runs with their three complete epochs (the torn fourth line held back).
    const store = await waitFor(() => {
      const s = replay(panel.messageLog);
      return s.runs.get(A)?.cols.epoch.length === 3 && s.runs.get(B)?.cols.epoch.length === 3 ? s : undefined;
    }, 'both runs to reach the webview');
    const a = store.runs.get(A)!;
    const b = store.runs.get(B)!;
    assert.deepEqual(a.cols.values['val/accuracy'], [0.6, 0.8, 0.9]);
    assert.deepEqual(b.cols.values.epoch_seconds, [1, 1, 1]);
    assert.equal(b.info.record.status, 'stopped');
    assert.match(a.info.color, /^#[0-9a-f]{6}$/);
    assert.notEqual(a.info.color, b.info.color);
    // One colour book for the panel and the Runs view: the colour the run's tree icon has.
    const api = await vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!.activate();
    assert.equal(a.info.color, api.runs.colors.colors([A, B]).get(A));
    assert.equal(a.info.dir, workspaceUri('runs', A).fsPath);

    // The summary the webview computes from that: deltas against the nothing-frozen run, memory
    // compared on the process RSS both runs recorded (3e8 each).
    const table = buildSummary([a, b].map((r) => ({ record: r.info.record, cols: r.cols })));
    assert.equal(table.baselineOf.get(B), A);
    assert.equal(formatDelta(table.deltas.get(B)!), '-2.0 pt accuracy, 3.0x faster, +0% RSS');

    // The webview drew them: it reports both runs and the charts with data.
    const drawn = await waitFor(() => {
      const r = received(panel.messageLog)
        .filter((m) => m.type === 'rendered')
        .pop();
      return r && r.type === 'rendered' && r.runs.includes(A) && r.runs.includes(B) && r.charts.includes('accuracy') && r.summaryRows >= 2
        ? r
        : undefined;
    }, 'the webview to render both runs');

    // Live: the torn line completes and a fifth epoch arrives; only those are sent.
    const uri = workspaceUri('runs', B, 'metrics.jsonl');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lines([...epochsB, epoch(4, 0.9, 1, 6e7), epoch(5, 0.91, 1, 6e7)])));
    const appended = await waitFor(() => {
      const msgs = panel.messageLog.filter((m) => m.direction === 'sent').map((m) => m.message as HostMessage);
      const epochs = msgs.flatMap((m) => (m.type === 'appendEpochs' && m.run === B ? m.epochs.map((e) => e.epoch) : []));
      return epochs.length >= 2 ? epochs : undefined;
    }, 'appendEpochs for the new lines');
    assert.deepEqual(appended, [4, 5]);
    await waitFor(
      () => received(panel.messageLog).some((m) => m.type === 'rendered' && m.points >= drawn.points + 2),
      'the webview to draw the new epochs',
    );

    // A status change is sent as runUpdated, without resending the series.
    await writeFile(`runs/${B}/run.json`, JSON.stringify({ ...record(B, 10, 'finished'), endedAt: '2024-01-01T00:06:00.000Z' }));
    const updated = await waitFor(() => {
      const m = panel.messageLog
        .map((l) => l.message as HostMessage)
        .find((x) => x.type === 'runUpdated' && x.run.record.name === B && x.run.record.status === 'finished');
      return m;
    }, 'runUpdated with the finished status');
    assert.equal(updated.type === 'runUpdated' && updated.series, undefined);

    // Every message the webview sent passed validation.
    assert.deepEqual(
      panel.messageLog.filter((m) => m.problem).map((m) => m.problem),
      [],
    );

    // Hidden behind another editor, the webview is discarded (not retained); shown again, it
    // reloads, asks again, and gets everything in a fresh init.
    const inits = () => panel.messageLog.filter((m) => m.direction === 'sent' && (m.message as HostMessage).type === 'init').length;
    const before = inits();
    const doc = await vscode.workspace.openTextDocument(workspaceUri('runs', A, 'run.json'));
    await vscode.window.showTextDocument(doc, { viewColumn: panel.panel.viewColumn, preview: false });
    await waitFor(() => !panel.panel.visible, 'the panel to be hidden');
    // Running the command again reveals the same panel.
    const again = await vscode.commands.executeCommand<ComparisonPanel>('transferLab.openComparison');
    assert.equal(again, panel);
    await waitFor(() => inits() > before, 'a new init after the panel is shown again', 60_000);
    const last = [...panel.messageLog].reverse().find((m) => m.direction === 'sent' && (m.message as HostMessage).type === 'init')!
      .message as Extract<HostMessage, { type: 'init' }>;
    assert.equal(last.series[B].epoch.length, 5, 'the new init carries the epochs that arrived live');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor(() => (panel.isReady ? undefined : true), 'the panel to close');
  });
});
