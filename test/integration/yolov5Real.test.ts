// The real YOLOv5 inside a real extension host. YOLOv5 v7.0's own train.py (shared/vendor, run with
// Debian's python3-* packages, see yolov5Vendor.ts) first trains yolov5n from scratch on a tiny
// two-class set; then the Start Freeze Sweep command trains freeze 0 / 10 / 24 from its last.pt.
// What the extension records (run.json, metrics.jsonl, the Runs row) and shows (the Modules view)
// is checked against what YOLOv5 itself printed (its model table and summary, what it transferred,
// its `freezing …` lines) and wrote (results.csv). The stand-in suite (yolov5.test.ts) covers stop,
// resume and crashes cheaply; this one proves the numbers against the program users run.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferLabApi } from '../../src/extension/extension';
import type { LaunchOutcome } from '../../src/extension/runs/runCommands';
import type { RunState } from '../../src/extension/runs/runsManager';
import { rowDescription } from '../../src/extension/runs/runRowText';
import { detectionText } from '../../src/extension/runs/yolov5/detectionText';
import { formatCount } from '../../src/extension/modules/treeRows';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { writeShapesDataset } from './shapesDataset';
import { removeFiles, waitFor, writeFile } from './util';
import { parsePrinted, printedInTrainLog, readResultsCsv, trainableAfterFreeze, type Printed } from './yolov5Printed';
import { checkYolov5Python, locateYolov5, PYTHON, runProcess, yolov5Environment } from './yolov5Vendor';

const REPO = process.env.TRANSFER_LAB_REPO ?? path.resolve(__dirname, '..', '..', '..');
const DIR = 'yolov5-real';
const SWEEP = [0, 10, 24];
const EPOCHS = 2;
/** Small enough for two CPU cores: 96 px, batch 8, no dataloader workers, no plots. */
const SMALL = ['--img', '96', '--batch-size', '8', '--device', 'cpu', '--workers', '0', '--noplots'];

function experimentText(o: { yolov5: string; data: string; weights: string }): string {
  return `# YOLOv5 v7.0's own train.py trains this experiment.
trainer: yolov5
model: ${JSON.stringify(path.join(o.yolov5, 'models', 'yolov5n.yaml'))}
freeze: 10
yolov5:
  folder: ${JSON.stringify(o.yolov5)}
  python: ${PYTHON}
  data: ${JSON.stringify(o.data)}
  weights: ${JSON.stringify(o.weights)}
  img: 96
  epochs: ${EPOCHS}
  batch: 8
  extra: [--device, cpu, --workers, 0, --noplots]
`;
}

/** The last segment of a Python class name: the module type the Modules view names. */
function typeOf(pythonClass: string): string {
  return pythonClass.split('.').pop() ?? pythonClass;
}

/** A row tooltip's exact count: "12,345 parameters, 0 frozen". */
function tooltipParams(tooltip: string): number {
  const m = /^([\d,]+) parameters, [\d,]+ frozen$/m.exec(tooltip);
  assert.ok(m, `a parameter count in the row tooltip ${JSON.stringify(tooltip)}`);
  return Number(m[1].replace(/,/g, ''));
}

function metricsOnDisk(run: RunState): EpochMetrics[] {
  return readFileSync(path.join(run.dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);
}

suite('YOLOv5 v7.0 train.py (real)', () => {
  let a: TransferLabApi;
  let yolov5: string;
  let tmp: string | undefined;
  let experiment: vscode.Uri;
  let weights: string;
  /** What train.py printed while training from scratch (nc 2, from the dataset). */
  let scratch: Printed;
  /** The sweep's runs by freeze value, once trained. */
  const swept = new Map<number, RunState>();
  const savedEnv = new Map<string, string | undefined>();

  suiteSetup(async function () {
    this.timeout(300_000);
    a = await vscode.extensions.getExtension<TransferLabApi>('transfer-lab.transfer-lab')!.activate();
    await a.runs.manager.ready;
    yolov5 = locateYolov5(REPO);
    await checkYolov5Python();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-'));
    // The extension host's environment is what the runs it starts inherit.
    for (const [k, v] of Object.entries(yolov5Environment(path.join(tmp, 'config')))) {
      savedEnv.set(k, process.env[k]);
      process.env[k] = v;
    }
    const data = writeShapesDataset(path.join(tmp, 'shapes'));
    // Pretraining outside the extension: an experiment cannot say `--weights ''` (train from scratch).
    const pre = await runProcess(
      PYTHON,
      [
        'train.py',
        '--cfg',
        'models/yolov5n.yaml',
        '--weights',
        '',
        '--data',
        data,
        '--epochs',
        '1',
        ...SMALL,
        '--project',
        path.join(tmp, 'pretrain'),
        '--name',
        'scratch',
        '--exist-ok',
      ],
      { cwd: yolov5 },
    );
    assert.equal(pre.code, 0, `train.py from scratch failed:\n${pre.output.slice(-4000)}`);
    scratch = parsePrinted(pre.output);
    assert.equal(scratch.modules.length, 25, `train.py printed yolov5n's 25-module table:\n${pre.output.slice(0, 6000)}`);
    assert.equal(
      scratch.totalParams,
      scratch.modules.reduce((s, m) => s + m.params, 0),
      'its summary line is the sum of its table',
    );
    weights = path.join(tmp, 'pretrain', 'scratch', 'weights', 'last.pt');
    experiment = await writeFile(`${DIR}/real.experiment.yaml`, experimentText({ yolov5, data, weights }));
    await a.files.scan();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('transferLab.stopAllRuns');
    for (const [k, v] of savedEnv) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
    await removeFiles([DIR]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the Modules view shows the module types and parameter counts train.py printed (nc 2 from the dataset)', async () => {
    await a.files.select(experiment);
    await a.modules.tracker.refresh();
    const rows = a.modules.tree.moduleRows;
    assert.deepEqual(
      rows.map((r) => r.label),
      scratch.modules.map((m) => `${m.index} ${typeOf(m.module)}`),
      'one row per module YOLOv5 built, of its type',
    );
    assert.deepEqual(
      rows.map((r) => tooltipParams(r.tooltip)),
      scratch.modules.map((m) => m.params),
      "each module's parameters as YOLOv5 counted them",
    );
    const total = scratch.totalParams!;
    assert.equal(
      rows.reduce((sum, r) => sum + tooltipParams(r.tooltip), 0),
      total,
      'the rows add up to the total YOLOv5 printed',
    );
    assert.equal(a.modules.tree.view.description, `${formatCount(trainableAfterFreeze(scratch.modules, 10))} trainable`);
  });

  test('a freeze sweep 0 / 10 / 24 from the scratch last.pt: run.json, metrics and the Runs row say what train.py printed and wrote', async function () {
    this.timeout(600_000);
    await a.files.select(experiment);
    const o = await vscode.commands.executeCommand<LaunchOutcome>('transferLab.startSweep', { freeze: SWEEP });
    assert.ok(o && 'runs' in o && o.sweep, `the sweep was queued (${JSON.stringify(o)})`);
    assert.equal(o.runs.length, SWEEP.length);
    for (const [i, name] of o.runs.entries()) {
      const run = a.runs.manager.get(name)!;
      await waitFor(
        () => run.record.status === 'finished' || run.record.status === 'failed',
        `run ${name} to end (now ${run.record.status})`,
        240_000,
      );
      assert.equal(run.record.status, 'finished', `${name}: ${run.record.error ?? ''}`);
      await waitFor(() => run.epochs.length === EPOCHS, `${name}: its ${EPOCHS} epochs read`, 10_000);
      swept.set(SWEEP[i], run);
    }
    for (const [freeze, run] of swept) {
      const disk = JSON.parse(readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord;
      const said = parsePrinted(printedInTrainLog(path.join(run.dir, 'train.log')));
      const what = `freeze ${freeze} (${run.record.name})`;
      assert.deepEqual(said.freeze, [freeze], `${what}: train.py got --freeze ${freeze}`);
      assert.equal(said.transferredFrom, weights, `${what}: train.py started from the scratch run's last.pt`);
      assert.deepEqual(said.modules, scratch.modules, `${what}: the model train.py built is the one it pretrained`);
      assert.equal(said.frozen.length > 0, freeze > 0, `${what}: train.py printed a freezing line per frozen parameter`);
      assert.ok(
        said.frozen.every((p) => Number(p.split('.')[1]) < freeze),
        `${what}: it froze modules 0–${freeze - 1} only`,
      );

      assert.equal(disk.trainer, 'yolov5');
      assert.equal(disk.engine, 'yolov5');
      assert.equal(disk.status, 'finished');
      assert.equal(disk.sweep, o.sweep);
      assert.equal(disk.freeze, freeze);
      assert.equal(disk.device, 'CPU', `${what}: the device train.py named`);
      assert.equal(disk.epochs, EPOCHS);
      assert.equal(disk.epochsDone, EPOCHS);
      assert.equal(disk.totalParams, said.totalParams, `${what}: total parameters as train.py's summary line`);
      assert.equal(
        disk.trainableParams,
        trainableAfterFreeze(said.modules, freeze),
        `${what}: trainable = train.py's counts of modules ${freeze} and up`,
      );

      const csv = readResultsCsv(path.join(run.dir, 'results.csv'));
      assert.equal(csv.length, EPOCHS, `${what}: results.csv has a row per epoch`);
      for (const [source, epochs] of [
        ['the Runs view', run.epochs],
        ['metrics.jsonl', metricsOnDisk(run)],
      ] as const) {
        assert.deepEqual(
          epochs.map((e) => e.epoch),
          csv.map((r) => r.epoch + 1),
          `${what}, ${source}: YOLOv5's 0-based epochs, 1-based`,
        );
        epochs.forEach((e, i) => {
          const r = csv[i];
          const at = `${what}, ${source}, epoch ${e.epoch}`;
          assert.equal(e['val/mAP_0.5'], r['metrics/mAP_0.5'], `${at}: mAP_0.5`);
          assert.equal(e['val/mAP_0.5:0.95'], r['metrics/mAP_0.5:0.95'], `${at}: mAP_0.5:0.95`);
          assert.equal(e['val/precision'], r['metrics/precision'], `${at}: precision`);
          assert.equal(e['val/recall'], r['metrics/recall'], `${at}: recall`);
          assert.equal(e.lr, r['x/lr0'], `${at}: lr = x/lr0`);
          assert.ok(
            Math.abs(e['train/loss'] - (r['train/box_loss'] + r['train/obj_loss'] + r['train/cls_loss'])) < 1e-9,
            `${at}: train/loss = box + obj + cls`,
          );
          assert.ok(
            Math.abs(e['val/loss'] - (r['val/box_loss'] + r['val/obj_loss'] + r['val/cls_loss'])) < 1e-9,
            `${at}: val/loss = box + obj + cls`,
          );
          assert.ok(e.epoch_seconds > 0, `${at}: its wall time, which YOLOv5 does not record`);
        });
      }
      assert.equal(disk.bestMap50_95, Math.max(...csv.map((r) => r['metrics/mAP_0.5:0.95'])), `${what}: best mAP_0.5:0.95 of results.csv`);
      assert.equal(disk.bestMap50, Math.max(...csv.map((r) => r['metrics/mAP_0.5'])), `${what}: best mAP_0.5 of results.csv`);
      assert.ok(
        rowDescription({ record: run.record, epochs: run.epochs }).includes(detectionText(disk, [])!),
        `${what}: the row shows those bests`,
      );
      assert.equal(
        (await a.runs.runsSource.readEpochs(run.record.name)).length,
        EPOCHS,
        `${what}: the comparison panel gets the same epochs`,
      );
    }
  });

  test('for each sweep value the Modules view checks exactly the parameters train.py froze', async () => {
    assert.equal(swept.size, SWEEP.length, 'the sweep test trained its runs');
    await a.files.select(experiment);
    try {
      for (const [freeze, run] of swept) {
        assert.ok(await a.modules.tree.setFreeze(freeze), `the view wrote freeze: ${freeze}`);
        const checkedLayers = new Set(
          a.modules.tree.moduleRows.flatMap((m) => m.children.filter((l) => l.checkbox === 'checked').map((l) => l.id)),
        );
        const summary = a.modules.tracker.state?.summary;
        assert.ok(summary, 'the view has a model');
        const shownFrozen = summary.modules
          .flatMap((m) => m.layers)
          .filter((l) => checkedLayers.has(l.name))
          .flatMap((l) => l.params.map((p) => p.name));
        const said = parsePrinted(printedInTrainLog(path.join(run.dir, 'train.log')));
        assert.deepEqual(
          [...shownFrozen].sort(),
          [...said.frozen].sort(),
          `freeze ${freeze}: the checked layers' parameters are train.py's "freezing" lines`,
        );
        const checkedModules = a.modules.tree.moduleRows.filter((m) => m.checkbox === 'checked').map((m) => m.index);
        assert.deepEqual(
          checkedModules,
          scratch.modules.filter((m) => m.index < freeze && m.params > 0).map((m) => m.index),
          `freeze ${freeze}: modules 0–${freeze - 1} (those with parameters) checked`,
        );
      }
    } finally {
      await a.modules.tree.setFreeze(10);
    }
  });
});
