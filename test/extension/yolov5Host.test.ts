// What the extension host does differently for a YOLOv5 run: stop with SIGINT, resume from
// weights/last.pt, and a row that shows mAP instead of an accuracy it does not have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { parseMetricsText } from '../../src/trainer/run/metricsFile';
import { epochMetricsProblem } from '../../src/shared/runFolder/shapes';
import { bestAccuracy, rowDescription } from '../../src/extension/runs/runRowText';
import { bestDetection, detectionText } from '../../src/extension/runs/yolov5/detectionText';
import { firstStopSignal, hasYolov5Checkpoint } from '../../src/extension/runs/yolov5/stopSignal';
import { epochMetricsFromRow } from '../../src/trainer/yolov5/epochMetrics';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-yolov5-host-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const RECORD: RunRecord = {
  name: 'det',
  status: 'finished',
  experiment: '/w/det.experiment.yaml',
  freeze: 10,
  trainer: 'yolov5',
  engine: 'yolov5',
  device: 'CUDA:0 (Tesla T4, 15110MiB)',
  epochs: 2,
  epochsDone: 2,
};

/** Epochs as the host reads them from metrics.jsonl: NaN written as null. */
function epochsFromDisk(): EpochMetrics[] {
  const rows = [
    { epoch: 0, 'metrics/mAP_0.5': 0.61, 'metrics/mAP_0.5:0.95': 0.4, 'train/box_loss': 0.05 },
    { epoch: 1, 'metrics/mAP_0.5': 0.66, 'metrics/mAP_0.5:0.95': 0.38, 'train/box_loss': 0.04 },
  ];
  const text = rows.map((r) => JSON.stringify(epochMetricsFromRow(r, { seconds: 10, time: '2025-01-01T00:00:00Z' }))).join('\n') + '\n';
  return parseMetricsText(text).metrics;
}

test('a YOLOv5 run is stopped with SIGINT (Ctrl+C), every other run with SIGTERM', () => {
  assert.equal(firstStopSignal(RECORD), 'SIGINT');
  assert.equal(firstStopSignal({}), 'SIGTERM');
  assert.equal(firstStopSignal({ ...RECORD, trainer: undefined }), 'SIGTERM');
});

test("YOLOv5's weights/last.pt is a checkpoint to resume from", async () => {
  const dir = path.join(tmp, 'run');
  assert.equal(await hasYolov5Checkpoint(dir), false);
  mkdirSync(path.join(dir, 'weights', 'last.pt'), { recursive: true });
  assert.equal(await hasYolov5Checkpoint(dir), false, 'a folder is not a checkpoint');
  rmSync(path.join(dir, 'weights', 'last.pt'), { recursive: true });
  writeFileSync(path.join(dir, 'weights', 'last.pt'), 'pt');
  assert.equal(await hasYolov5Checkpoint(dir), true);
});

test("YOLOv5 epochs pass the run-folder reader's checks (null accuracy is allowed)", () => {
  for (const e of epochsFromDisk()) assert.equal(epochMetricsProblem(e), undefined);
});

test("the row shows the best mAP and no accuracy; a built-in run's row is unchanged", () => {
  const epochs = epochsFromDisk();
  assert.equal(epochs[0]['val/accuracy'], null);
  assert.equal(bestAccuracy({ record: RECORD, epochs }), undefined, 'null accuracy is no accuracy, not 0%');
  assert.deepEqual(bestDetection(RECORD, epochs), { map50: 0.66, map50_95: 0.4 });
  assert.equal(detectionText(RECORD, epochs), 'best mAP50-95 40.0% · mAP50 66.0%');
  assert.equal(
    detectionText({ bestMap50: 0.5, bestMap50_95: 0.3 }, []),
    'best mAP50-95 30.0% · mAP50 50.0%',
    'from run.json before metrics.jsonl is read',
  );
  const row = rowDescription({ record: RECORD, epochs });
  assert.equal(row, 'best mAP50-95 40.0% · mAP50 66.0% · finished 2/2 · freeze 10 · yolov5 · CUDA:0 (Tesla T4, 15110MiB)');
  const builtIn: EpochMetrics = { ...epochs[0], 'val/accuracy': 0.9 };
  delete builtIn['val/mAP_0.5'];
  delete builtIn['val/mAP_0.5:0.95'];
  assert.equal(
    rowDescription({ record: { ...RECORD, trainer: undefined, engine: 'wasm', device: undefined }, epochs: [builtIn] }),
    'best 90.0% · finished 2/2 · freeze 10 · wasm',
  );
});
