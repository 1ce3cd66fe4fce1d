// Every field of run.json and of a metrics line is checked: for each field, a value of the wrong
// type is rejected with a reason that names the field, by the validator and by what reads it (the
// run.json reader, a progress `epoch` event). The complete examples are typed `Required<…>`, so a
// field added to the contract without one here does not compile.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { parseProgressLine } from '../../src/shared/runFolder/progressLine';
import { parseRunRecord } from '../../src/shared/runFolder/readRecord';
import { RunFolderError } from '../../src/shared/runFolder/runFolderError';
import { epochMetricsProblem, runRecordProblem } from '../../src/shared/runFolder/shapes';

const FULL_METRICS: Required<EpochMetrics> = {
  epoch: 3,
  'train/loss': 0.9,
  'val/loss': 0.8,
  'val/accuracy': 0.7,
  'val/top5': 0.95,
  lr: 0.01,
  lr_steps: [0.01, 0.009],
  freeze: 6,
  phase: 1,
  epoch_seconds: 2,
  images_per_second: 500,
  tensor_bytes: 1000,
  peak_tensor_bytes: 2000,
  rss_bytes: 3000,
  device_util: 40,
  device_memory_bytes: 4000,
  time: '2026-01-01T00:00:00.000Z',
  'val/precision': 0.5,
  'val/recall': 0.4,
  'val/mAP_0.5': 0.3,
  'val/mAP_0.5:0.95': 0.2,
  yolov5: { epoch: 2, 'metrics/mAP_0.5': 0.3, 'x/lr0': null },
};

const WRONG_METRICS: { [K in keyof EpochMetrics]-?: unknown } = {
  epoch: 'three',
  'train/loss': 'x',
  'val/loss': true,
  'val/accuracy': '0.7',
  'val/top5': [],
  lr: {},
  lr_steps: [0.1, '0.2'],
  freeze: 'all',
  phase: '1',
  epoch_seconds: '2',
  images_per_second: false,
  tensor_bytes: '1',
  peak_tensor_bytes: 'p',
  rss_bytes: [1],
  device_util: '40%',
  device_memory_bytes: {},
  time: 1700000000,
  'val/precision': 'p',
  'val/recall': true,
  'val/mAP_0.5': 'm',
  'val/mAP_0.5:0.95': [],
  yolov5: { epoch: 'two' },
};

const FULL_RECORD: Required<RunRecord> = {
  name: 'r',
  status: 'finished',
  experiment: '/w/e.yaml',
  freeze: [0, 'model.4'],
  sweep: 's',
  data: 'mnist digits',
  model: '/w/m.yaml',
  engine: 'tensorflow',
  device: 'cpu',
  deviceSource: 'cpu',
  pid: 12,
  pidStartTime: '99',
  startedAt: '2026-01-01T00:00:00Z',
  endedAt: '2026-01-01T01:00:00Z',
  epochs: 3,
  epochsDone: 3,
  trainableParams: 10,
  totalParams: 20,
  weightsSha256: 'ab',
  cache: { used: false, reason: 'nothing frozen' },
  bestAccuracy: 0.9,
  error: 'e',
  trainer: 'yolov5',
  bestMap50: 0.5,
  bestMap50_95: 0.3,
  executor: { kind: 'slurm', jobId: '12_3', state: 'RUNNING', reason: 'None', node: 'n1' },
  phases: [
    { startEpoch: 1, freeze: 8 },
    { startEpoch: 3, freeze: 0 },
  ],
  fineTune: { freezeEpochs: 1, lrMult: 100 },
};

const WRONG_RECORD: { [K in keyof RunRecord]-?: unknown } = {
  name: '',
  status: 'done',
  experiment: 7,
  freeze: 'all',
  sweep: 1,
  data: {},
  model: [],
  engine: 3,
  device: false,
  deviceSource: 'gpu',
  pid: '12',
  pidStartTime: 99,
  startedAt: 1,
  endedAt: 2,
  epochs: '3',
  epochsDone: '3',
  trainableParams: '10',
  totalParams: null,
  weightsSha256: 5,
  cache: { used: 'no', reason: 'x' },
  bestAccuracy: null,
  error: 42,
  trainer: 'torch',
  bestMap50: '0.5',
  bestMap50_95: [],
  executor: { kind: 'slurm', state: 'RUNNING' },
  phases: [{ startEpoch: 1, freeze: 'all' }],
  fineTune: { freezeEpochs: 1, lrMult: '100' },
};

const OPTIONAL_METRICS = Object.keys(FULL_METRICS).filter(
  (k) =>
    ![
      'epoch',
      'train/loss',
      'val/loss',
      'val/accuracy',
      'lr',
      'epoch_seconds',
      'images_per_second',
      'tensor_bytes',
      'rss_bytes',
      'time',
    ].includes(k),
);
const REQUIRED_RECORD = ['name', 'status', 'experiment', 'freeze'];

test('a complete metrics line and a complete run.json pass', () => {
  assert.equal(epochMetricsProblem(FULL_METRICS), undefined);
  assert.equal(runRecordProblem(FULL_RECORD), undefined);
  assert.equal(runRecordProblem({ ...FULL_RECORD, executor: { kind: 'local' } }), undefined);
  assert.deepEqual(parseRunRecord('/w/run.json', JSON.stringify(FULL_RECORD)), FULL_RECORD);
});

test('every field of a metrics line with a wrong value is rejected, naming the field, also inside an epoch event', () => {
  for (const [k, bad] of Object.entries(WRONG_METRICS)) {
    const m = { ...FULL_METRICS, [k]: bad };
    assert.match(epochMetricsProblem(m) ?? '', new RegExp(`"${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`), k);
    assert.equal(
      parseProgressLine(JSON.stringify({ type: 'epoch', run: 'r', metrics: m })),
      undefined,
      `epoch event with ${k} = ${JSON.stringify(bad)}`,
    );
  }
});

test('a metrics line may leave out exactly the optional fields, and hold null where the trainer wrote NaN', () => {
  for (const k of Object.keys(FULL_METRICS)) {
    const rest = Object.fromEntries(Object.entries(FULL_METRICS).filter(([key]) => key !== k));
    assert.equal(epochMetricsProblem(rest) === undefined, OPTIONAL_METRICS.includes(k), `without ${k}`);
  }
  assert.equal(epochMetricsProblem({ ...FULL_METRICS, 'val/accuracy': null, 'val/mAP_0.5': null, tensor_bytes: null }), undefined);
});

test('every field of run.json with a wrong value is rejected by the reader, naming the file and the field', () => {
  for (const [k, bad] of Object.entries(WRONG_RECORD)) {
    assert.match(runRecordProblem({ ...FULL_RECORD, [k]: bad }) ?? '', new RegExp(`"${k}"`), k);
    assert.throws(
      () => parseRunRecord('/w/runs/r/run.json', JSON.stringify({ ...FULL_RECORD, [k]: bad })),
      (e: unknown) =>
        e instanceof RunFolderError &&
        e.file === '/w/runs/r/run.json' &&
        e.message.startsWith('/w/runs/r/run.json: ') &&
        e.message.includes(`"${k}"`),
      k,
    );
  }
});

test('run.json may leave out every field but name, status, experiment and freeze', () => {
  for (const k of Object.keys(FULL_RECORD)) {
    const rest = Object.fromEntries(Object.entries(FULL_RECORD).filter(([key]) => key !== k));
    assert.equal(runRecordProblem(rest) === undefined, !REQUIRED_RECORD.includes(k), `without ${k}`);
  }
});
