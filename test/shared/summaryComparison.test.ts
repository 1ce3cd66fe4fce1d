// Which runs the summary compares and with what (comparability.ts, measures.ts): the baseline is
// the nothing-frozen run of the same sweep/experiment and data, or the user's pick; scores and
// memory are named for what they are.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { summaryToCsv } from '../../webview/csv';
import { groupBaselineText, groupTitle } from '../../webview/groupText';
import { toColumns } from '../../src/shared/panel/series';
import { buildSummary, formatDelta, summarizeRun } from '../../src/shared/panel/summary';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { buildSweepTable } from '../../src/trainer/sweep/sweepTable';
import { formatSweepTable } from '../../src/trainer/sweep/sweepTableText';

const TRANSFER = '/w/examples/digits/transfer.experiment.yaml';
const PRETRAIN = '/w/examples/digits/pretrain.experiment.yaml';
const DIGITS_5_9 = 'mnist digits 5,6,7,8,9, 150 labels, 20% validation';
const DIGITS_0_4 = 'mnist digits 0,1,2,3,4, all labels, 20% validation';
const MODEL = '/w/examples/digits/model.yaml';

function epochs(acc: number[], seconds: number, rss: number, extra: Partial<EpochMetrics> = {}): EpochMetrics[] {
  return acc.map((a, i) => ({
    epoch: i + 1,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': a,
    lr: 0.01,
    epoch_seconds: seconds,
    images_per_second: 100,
    tensor_bytes: 1e6,
    rss_bytes: rss,
    time: new Date(1.7e12 + i * 1000).toISOString(),
    ...extra,
  }));
}

function rec(name: string, freeze: RunRecord['freeze'], more: Partial<RunRecord> = {}): RunRecord {
  return { name, status: 'finished', freeze, experiment: TRANSFER, data: DIGITS_5_9, model: MODEL, ...more };
}

const run = (record: RunRecord, e: EpochMetrics[]) => ({ record, cols: toColumns(e) });

// The example sweep: pretraining (digits 0–4, 2 epochs, freeze 0), then freeze 6 and 8 of the sweep.
const pretrain = run(
  rec('pretrain', 0, { experiment: PRETRAIN, data: DIGITS_0_4, startedAt: '2024-01-01T10:00:00Z' }),
  epochs([0.9, 0.97], 1.0, 3e8),
);
const s6 = run(rec('s1-freeze-6', 6, { sweep: 's1', startedAt: '2024-01-01T10:05:00Z' }), epochs([0.85, 0.92], 0.3, 2e8));
const s8 = run(rec('s1-freeze-8', 8, { sweep: 's1', startedAt: '2024-01-01T10:06:00Z' }), epochs([0.6, 0.68], 0.2, 1.5e8));

test("the pretraining run is never the sweep's baseline: other experiment, other data", () => {
  const t = buildSummary([pretrain, s6, s8]);
  assert.equal(t.deltas.size, 0, 'nothing is compared with the pretraining run');
  const sweep = t.groups.find((g) => g.sweep === 's1')!;
  assert.deepEqual(sweep.runs, ['s1-freeze-6', 's1-freeze-8']);
  assert.equal(sweep.baseline, undefined);
  assert.match(groupBaselineText(sweep), /no run here freezes nothing/);
  const pre = t.groups.find((g) => g.runs.includes('pretrain'))!;
  assert.equal(pre.baseline, undefined, "alone in its group, it is nobody's baseline");
  assert.match(groupBaselineText(pre), /nothing to compare with/);
  assert.equal(groupTitle(pre), `pretrain.experiment.yaml · ${DIGITS_0_4} · single runs`);

  // Once the sweep's own freeze-0 run exists, it is the baseline; the pretraining run still is not.
  const s0 = run(
    rec('s1-freeze-0', 0, { sweep: 's1', status: 'running', startedAt: '2024-01-01T10:07:00Z' }),
    epochs([0.9, 0.94], 1.0, 3e8),
  );
  const t2 = buildSummary([pretrain, s6, s8, s0]);
  assert.equal(t2.baselineOf.get('s1-freeze-6'), 's1-freeze-0');
  assert.equal(t2.baselineOf.get('s1-freeze-8'), 's1-freeze-0');
  assert.equal(t2.baselineOf.has('pretrain'), false);
  assert.equal(formatDelta(t2.deltas.get('s1-freeze-6')!), '-2.0 pt accuracy, 3.3x faster, -33% RSS');
});

test("a later single freeze-0 run does not silently become the sweep's baseline", () => {
  const s0 = run(rec('s1-freeze-0', 0, { sweep: 's1', status: 'running', startedAt: '2024-01-01T10:04:00Z' }), epochs([0.9], 1.0, 3e8));
  // Same experiment and data, finished, no sweep: the old default picked it (finished first).
  const single = run(rec('transfer-2', 0, { startedAt: '2024-01-02T09:00:00Z' }), epochs([0.5, 0.95], 2.0, 3e8));
  const t = buildSummary([single, s6, s0, s8]);
  assert.equal(t.baselineOf.get('s1-freeze-6'), 's1-freeze-0');
  assert.equal(t.baselineOf.get('s1-freeze-8'), 's1-freeze-0');
  assert.equal(t.baselineOf.has('transfer-2'), false);
  const lone = t.groups.find((g) => g.runs.includes('transfer-2'))!;
  assert.equal(lone.sweep, undefined);
  assert.equal(lone.baseline, undefined);
  assert.match(groupBaselineText(lone), /pick a baseline/);

  // Picked explicitly, it serves the sweep too (same experiment and data), and says so.
  const picked = buildSummary([single, s6, s0, s8], 'transfer-2');
  const sweep = picked.groups.find((g) => g.sweep === 's1')!;
  assert.equal(sweep.baseline, 'transfer-2');
  assert.equal(groupBaselineText(sweep), 'baseline: transfer-2 (your choice)');
  assert.equal(picked.baselineOf.get('s1-freeze-0'), 'transfer-2');
});

test('runs of another dataset (or unrecorded data) are not compared, even when picked', () => {
  const other = run(rec('other-0', 0, { data: 'folder /w/flowers' }), epochs([0.7], 1.0, 3e8));
  const otherFrozen = run(rec('other-6', 6, { data: 'folder /w/flowers' }), epochs([0.6], 0.5, 2e8));
  const old = run(rec('old-0', 0, { data: undefined, model: undefined }), epochs([0.99], 1.0, 3e8));
  const mine = run(rec('mine-0', 0), epochs([0.9], 1.0, 3e8));
  const mineFrozen = run(rec('mine-6', 6), epochs([0.8], 0.5, 2e8));
  const t = buildSummary([other, old, mine, otherFrozen, mineFrozen]);
  assert.equal(t.groups.length, 3);
  assert.equal(t.baselineOf.get('mine-6'), 'mine-0');
  assert.equal(t.baselineOf.get('other-6'), 'other-0');
  assert.equal(t.baselineOf.has('old-0'), false);
  assert.match(groupTitle(t.groups.find((g) => g.runs.includes('old-0'))!), /data not recorded/);
  // The user's pick serves only the runs comparable with it.
  const picked = buildSummary([other, old, mine, otherFrozen, mineFrozen], 'other-0');
  assert.equal(picked.baselineOf.get('other-6'), 'other-0');
  assert.equal(picked.baselineOf.get('mine-6'), 'mine-0', 'the flowers run is no baseline for digits');
  assert.equal(picked.baselineOf.has('mine-0'), false);
});

test('rows keep one order whatever order the runs arrive in', () => {
  const s0 = run(rec('s1-freeze-0', 0, { sweep: 's1' }), epochs([0.9], 1.0, 3e8));
  const single = run(rec('transfer-2', 0), epochs([0.95], 2.0, 3e8));
  const orders = [
    [pretrain, s6, s8, s0, single],
    [single, s0, s8, pretrain, s6],
    [s8, single, s6, s0, pretrain],
  ];
  const seen = orders.map((o) => buildSummary(o).rows.map((r) => r.run));
  for (const s of seen) assert.deepEqual(s, ['pretrain', 'transfer-2', 's1-freeze-0', 's1-freeze-6', 's1-freeze-8']);
  assert.deepEqual(
    buildSummary([run(rec('b', [1, 2]), []), run(rec('a', 10), []), run(rec('c', 2), []), run(rec('d', []), [])]).rows.map((r) => r.run),
    ['d', 'c', 'a', 'b'],
    'nothing frozen, then module counts, then lists',
  );
});

// YOLOv5: mAP@0.5, no accuracy, no tensors; RSS always, GPU memory when nvidia-smi answered.
function yolo(
  name: string,
  freeze: number,
  map: number[],
  seconds: number,
  rss: number,
  gpu?: number,
): { record: RunRecord; metrics: EpochMetrics[] } {
  return {
    record: rec(name, freeze, {
      sweep: 'y1',
      trainer: 'yolov5',
      experiment: '/w/coco.experiment.yaml',
      data: 'yolov5 --data coco128.yaml',
      deviceSource: 'nvidia-smi',
    }),
    metrics: map.map((m, i) => ({
      ...epochs([0], seconds, rss)[0],
      epoch: i + 1,
      'val/accuracy': null as unknown as number,
      tensor_bytes: null as unknown as number,
      images_per_second: null as unknown as number,
      'val/mAP_0.5': m,
      ...(gpu !== undefined ? { device_memory_bytes: gpu } : {}),
    })),
  };
}

test('a YOLOv5 run is named for its mAP@0.5 in the summary, its CSV and the CLI sweep table', () => {
  const runs = [yolo('y1-freeze-0', 0, [0.4, 0.5], 10, 3e9), yolo('y1-freeze-10', 10, [0.45, 0.501], 5, 2e9)];
  const t = buildSummary(runs.map((r) => run(r.record, r.metrics)));
  assert.equal(t.rows[1].metric, 'mAP@0.5');
  assert.equal(formatDelta(t.deltas.get('y1-freeze-10')!), '+0.1 pt mAP@0.5, 2.0x faster, -33% RSS');
  const csv = summaryToCsv(t)
    .split('\r\n')
    .map((l) => l.split(','));
  assert.equal(csv[1][csv[0].indexOf('metric')], 'mAP@0.5');
  assert.ok(!csv[0].some((h) => /accuracy/.test(h)), `no accuracy column: ${csv[0].join(',')}`);

  const table = buildSweepTable({ sweep: 'y1', experiment: '/w/coco.experiment.yaml', status: 'finished', runs });
  assert.equal(table.metric, 'mAP@0.5');
  assert.equal(table.memory, 'rss');
  const text = formatSweepTable(table);
  assert.match(
    text,
    /^freeze\s+what\s+status\s+trainable\s+best mAP@0\.5\s+s\/epoch\s+epochs s\s+wall s\s+peak RSS\s+Δ mAP@0\.5\s+speed-up\s+Δ mem$/m,
  );
  assert.doesNotMatch(text, /acc/);
  assert.match(text, /^10\s.*\+0\.1 pt\s+2\.0x\s+-33%$/m);
  assert.match(text, /mAP@0\.5 in points.*peak resident memory \(RSS\) of the training process/);
});

test('memory is compared on GPU memory, else RSS, else tensors, and says which', () => {
  const gpu = [yolo('g0', 0, [0.4], 10, 3e9, 8e9), yolo('g10', 10, [0.4], 5, 2e9, 4e9)];
  const tg = buildSummary(gpu.map((r) => run(r.record, r.metrics)));
  assert.equal(tg.deltas.get('g10')!.memory, 'gpu');
  assert.match(formatDelta(tg.deltas.get('g10')!), /-50% GPU memory$/);
  // One run without GPU figures: both have RSS, so RSS it is.
  const mixed = [gpu[0], yolo('r10', 10, [0.4], 5, 1.5e9)];
  assert.match(formatDelta(buildSummary(mixed.map((r) => run(r.record, r.metrics))).deltas.get('r10')!), /-50% RSS$/);
  // Neither RSS nor GPU: tensor memory.
  const bare = (name: string, freeze: number, bytes: number) =>
    run(
      rec(name, freeze),
      epochs([0.9], 1, 0).map((e) => ({ ...e, rss_bytes: null as unknown as number, tensor_bytes: bytes })),
    );
  assert.match(formatDelta(buildSummary([bare('t0', 0, 100), bare('t6', 6, 25)]).deltas.get('t6')!), /-75% tensor memory$/);
  // The built-in trainer's device memory on the CPU is the process's peak RSS, never "GPU memory";
  // without a recorded source it is not used at all.
  const cpu = summarizeRun(rec('c', 0, { deviceSource: 'cpu' }), toColumns(epochs([0.9], 1, 3e8, { device_memory_bytes: 5e8 })));
  assert.equal(cpu.peakGpuMemoryBytes, null);
  assert.equal(cpu.peakRssBytes, 5e8);
  const unknown = summarizeRun(rec('u', 0), toColumns(epochs([0.9], 1, 3e8, { device_memory_bytes: 5e8 })));
  assert.equal(unknown.peakGpuMemoryBytes, null);
  assert.equal(unknown.peakRssBytes, 3e8);
});
