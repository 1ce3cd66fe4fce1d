// YOLOv5 projects inside a real extension host: a `trainer: yolov5` experiment started with the
// Start Run command trains through the STAND-IN train.py (test/fixtures/yolov5-standin: a test double
// of YOLOv5's train.py, since YOLOv5 needs PyTorch) and its epochs arrive in the run record; Stop
// sends SIGINT and Resume continues from weights/last.pt; a crash lands on the run with YOLOv5's
// last error lines. Needs python3 on PATH. The real YOLOv5's numbers are checked in yolov5Real.test.ts.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentFiles } from '../../src/extension/experiment/experimentFiles';
import type { TransferLabApi } from '../../src/extension/extension';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunsRegistration } from '../../src/extension/runs/registerRuns';
import type { RunsManager, RunState } from '../../src/extension/runs/runsManager';
import { rowDescription } from '../../src/extension/runs/runRowText';
import type { RunRecord } from '../../src/shared/runFolder/contract';
import { removeFiles, waitFor, workspaceUri, writeFile } from './util';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const STANDIN = path.join(REPO, 'test', 'fixtures', 'yolov5-standin');
const DIR = 'yolov5-test';

interface Api {
  files: ExperimentFiles;
  runs: RunsRegistration;
  modules: TransferLabApi['modules'];
}

function launched(o: LaunchOutcome | undefined): { runs: string[] } {
  assert.ok(o && 'runs' in o, `the command queued runs (${JSON.stringify(o)})`);
  return o;
}

function experiment(o: { epochs: number; freeze: string; data: string }): string {
  return `# A YOLOv5 project as it is: YOLOv5's train.py (here its stand-in) trains.
trainer: yolov5
model: model.yaml
freeze: ${o.freeze}
yolov5:
  folder: yolov5
  data: ${o.data}
  weights: yolov5n.pt
  epochs: ${o.epochs}
  img: 64
  extra: [--workers, 0]
`;
}

function dataYaml(epochSeconds: number, crashAt?: number): string {
  return (
    [
      'path: ../datasets/standin',
      'train: images/train',
      'val: images/val',
      'nc: 3',
      'names: [a, b, c]',
      `standin_epoch_seconds: ${epochSeconds}`,
      'standin_batches: 4',
      ...(crashAt !== undefined ? [`standin_crash_at_epoch: ${crashAt}`] : []),
    ].join('\n') + '\n'
  );
}

async function diskRecord(run: RunState): Promise<RunRecord> {
  return JSON.parse(readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord;
}

suite('YOLOv5', () => {
  let a: Api;
  let manager: RunsManager;

  suiteSetup(async () => {
    a = (await vscode.extensions.getExtension('transfer-lab.transfer-lab')!.activate()) as Api;
    manager = a.runs.manager;
    await manager.ready;
    await writeFile(`${DIR}/yolov5/train.py`, readFileSync(path.join(STANDIN, 'train.py'), 'utf8'));
    await writeFile(`${DIR}/yolov5/data/quick.yaml`, dataYaml(0.3));
    await writeFile(`${DIR}/yolov5/data/slow.yaml`, dataYaml(1.5));
    await writeFile(`${DIR}/yolov5/data/crash.yaml`, dataYaml(0.3, 1));
    await writeFile(`${DIR}/model.yaml`, readFileSync(path.join(STANDIN, 'tiny-detect.yaml'), 'utf8'));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    await removeFiles([DIR]);
  });

  test("the Modules view counts the model as YOLOv5 builds it: the dataset's classes at yolov5.img", async () => {
    await a.files.select(await writeFile(`${DIR}/view.experiment.yaml`, experiment({ epochs: 1, freeze: '3', data: 'quick.yaml' })));
    await a.modules.tracker.refresh();
    // model.yaml says nc: 80; YOLOv5 builds it with quick.yaml's 3 names: 18,688 parameters, 3,312 of them in modules 0-2.
    assert.equal(a.modules.tree.view.description, '15.4K trainable');
    assert.match(a.modules.tree.moduleRows[10].description, /· 960×8$/, 'Detect at 64 px: 3 × (16² + 8²) boxes of 3 + 5 values');
  });

  test('Start Run trains a trainer: yolov5 experiment through train.py; its epochs arrive in the run record', async () => {
    const exp = await writeFile(`${DIR}/det.experiment.yaml`, experiment({ epochs: 3, freeze: '[5]', data: 'quick.yaml' }));
    await a.files.select(exp);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    assert.equal(run.dir, path.join(workspaceUri(DIR).fsPath, 'runs', runs[0]), 'runs/ beside the experiment');
    await waitFor(() => run.epochs.length >= 1 || run.record.status === 'failed', 'the first epoch in the run record', 60_000);
    assert.notEqual(run.record.status, 'failed', run.record.error);
    await waitFor(
      () => run.record.status === 'finished',
      `the run to finish (now ${run.record.status}: ${run.record.error ?? ''})`,
      60_000,
    );
    await waitFor(() => run.epochs.length === 3, 'all three epochs read', 10_000);
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
    assert.deepEqual(
      run.epochs.map((e) => e['val/mAP_0.5']),
      [0.3, 0.36, 0.42],
      'mAP_0.5 as train.py wrote it in results.csv',
    );
    assert.deepEqual(
      run.epochs.map((e) => e['val/mAP_0.5:0.95']),
      [0.15, 0.19, 0.23],
    );
    assert.ok(
      run.epochs.every((e) => e.epoch_seconds > 0),
      'epoch wall time added',
    );
    const disk = await diskRecord(run);
    assert.equal(disk.trainer, 'yolov5');
    assert.equal(disk.engine, 'yolov5');
    assert.equal(disk.device, 'CPU');
    assert.deepEqual(disk.freeze, [5]);
    assert.equal(disk.bestMap50_95, 0.23);
    // The checkbox value [5] (module 5 only) reached YOLOv5 as `--freeze 5 5`, not as the count 5.
    assert.deepEqual(JSON.parse(readFileSync(path.join(run.dir, 'standin-freeze.json'), 'utf8')), ['model.5.', 'model.5.']);
    assert.ok(
      existsSync(path.join(run.dir, 'results.csv')) && existsSync(path.join(run.dir, 'weights', 'last.pt')),
      'YOLOv5 wrote into the same folder',
    );
    assert.match(rowDescription({ record: run.record, epochs: run.epochs }), /best mAP50-95 23\.0% · mAP50 42\.0%/);
    assert.equal((await a.runs.runsSource.readEpochs(run.record.name)).length, 3, 'the comparison panel gets the same epochs');
  });

  test('Stop sends SIGINT (YOLOv5 keeps weights/last.pt); Resume continues from it', async () => {
    const exp = await writeFile(`${DIR}/slow.experiment.yaml`, experiment({ epochs: 3, freeze: '10', data: 'slow.yaml' }));
    await a.files.select(exp);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    await waitFor(() => run.epochs.length >= 1 && run.record.trainer === 'yolov5', 'the first epoch', 60_000);
    const outcome = await vscode.commands.executeCommand<string>('transferLab.stopRun', run.record.name);
    assert.equal(outcome, 'terminated', 'SIGINT was enough');
    await waitFor(() => run.record.status === 'stopped', `the run to be stopped (now ${run.record.status})`);
    assert.ok(existsSync(path.join(run.dir, 'weights', 'last.pt')));
    const stoppedAt = run.epochs.length;
    assert.ok(stoppedAt < 3, `stopped part-way (${stoppedAt})`);
    launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.resumeRun', run.record.name));
    await waitFor(
      () => run.record.status === 'finished',
      `the resumed run to finish (now ${run.record.status}: ${run.record.error ?? ''})`,
      60_000,
    );
    await waitFor(() => run.epochs.length === 3, 'all epochs read', 10_000);
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2, 3],
      'each epoch once',
    );
  });

  test('a YOLOv5 crash is on the run row with its last error lines; the epoch before it is kept', async () => {
    const exp = await writeFile(`${DIR}/crash.experiment.yaml`, experiment({ epochs: 3, freeze: '0', data: 'crash.yaml' }));
    await a.files.select(exp);
    const { runs } = launched(await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startRun'));
    const run = manager.get(runs[0])!;
    await waitFor(() => run.record.status === 'failed', `the run to fail (now ${run.record.status})`, 60_000);
    assert.match(run.record.error ?? '', /^YOLOv5 train\.py failed \(exit code 1\): RuntimeError: CUDA out of memory/);
    assert.match(run.record.error ?? '', /Traceback \(most recent call last\)/);
    assert.match(rowDescription({ record: run.record, epochs: run.epochs }), /failed .*YOLOv5 train\.py failed/);
    await waitFor(() => run.epochs.length === 1, 'the finished epoch read', 10_000);
  });
});
