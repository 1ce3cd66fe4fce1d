import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildSummary, compareToBaseline, formatDelta, RunSummaryBuilder, summarizeRun } from '../../src/shared/panel/summary';
import { formatFreeze } from '../../src/shared/freezeText';
import { nothingFrozenBaseline } from '../../src/shared/panel/comparability';
import { appendEpochs } from '../../src/shared/panel/series';
import { toColumns } from '../../src/shared/panel/series';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';

function epochs(acc: number[], seconds: number, tensorBytes: number): EpochMetrics[] {
  return acc.map((a, i) => ({
    epoch: i + 1,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': a,
    lr: 0.01,
    epoch_seconds: seconds,
    images_per_second: 1000 / seconds,
    tensor_bytes: tensorBytes,
    peak_tensor_bytes: i === 1 ? tensorBytes * 1.5 : undefined,
    rss_bytes: 4e8 + i,
    time: new Date(1.7e12 + i * 1000).toISOString(),
  }));
}
const rec = (name: string, freeze: RunRecord['freeze'], status: RunRecord['status'] = 'finished'): RunRecord => ({
  name,
  status,
  freeze,
  experiment: '/w/transfer.experiment.yaml',
  trainableParams: 1000,
  totalParams: 5000,
  epochs: 3,
});

test('a run summary: best (and when), final, times, peaks', () => {
  const s = summarizeRun(rec('f0', 0), toColumns(epochs([0.5, 0.9, 0.85], 2.8, 1000)));
  assert.equal(s.metric, 'accuracy');
  assert.equal(s.best, 0.9);
  assert.equal(s.bestEpoch, 2);
  assert.equal(s.final, 0.85);
  assert.ok(Math.abs(s.totalSeconds! - 8.4) < 1e-9);
  assert.ok(Math.abs(s.secondsPerEpoch! - 2.8) < 1e-9);
  assert.equal(s.peakTensorBytes, 1500, 'peak_tensor_bytes counts where the trainer reported it');
  assert.equal(s.peakRssBytes, 4e8 + 2);
  assert.equal(s.peakGpuMemoryBytes, null);
  assert.equal(s.epochs, 3);
  assert.equal(s.trainableParams, 1000);
});

test('a run without epochs yet has empty figures, not zeros', () => {
  const s = summarizeRun({ ...rec('q', 10, 'queued') }, toColumns([]));
  assert.equal(s.best, null);
  assert.equal(s.totalSeconds, null);
  assert.equal(s.secondsPerEpoch, null);
  assert.equal(s.peakTensorBytes, null);
});

test('deltas read like the freezing guide: accuracy points, speed ratio, memory change (named)', () => {
  // Records without a device source: rss_bytes is the process's RSS; compare on tensors by removing it.
  const noRss = (e: EpochMetrics[]) => e.map((x) => ({ ...x, rss_bytes: null as unknown as number }));
  const base = summarizeRun(rec('f0', 0), toColumns(noRss(epochs([0.8, 0.9], 2.8, 1000 / 1.5))));
  const frozen = summarizeRun(rec('f10', 10), toColumns(noRss(epochs([0.85, 0.888], 1.0, 590 / 1.5))));
  const d = compareToBaseline(frozen, base);
  assert.ok(Math.abs(d.scorePt! - -1.2) < 1e-9);
  assert.ok(Math.abs(d.speedup! - 2.8) < 1e-9);
  assert.ok(Math.abs(d.memoryPct! - -41) < 1e-9);
  assert.equal(d.memory, 'tensors');
  assert.equal(formatDelta(d), '-1.2 pt accuracy, 2.8x faster, -41% tensor memory');
  assert.equal(formatDelta(compareToBaseline(base, frozen)), '+1.2 pt accuracy, 2.8x slower, +69% tensor memory');
  assert.equal(formatDelta(compareToBaseline(base, base)), '+0.0 pt accuracy, 1.0x faster, +0% tensor memory');
  assert.equal(formatDelta({ metric: 'accuracy', scorePt: null, speedup: null, memory: 'rss', memoryPct: 12.4 }), '+12% RSS');
});

test('the default baseline is the nothing-frozen run, preferring a finished one, then the earliest started', () => {
  const at = (r: RunRecord, t: string): RunRecord => ({ ...r, startedAt: t });
  assert.equal(nothingFrozenBaseline([rec('a', 10), rec('b', 0, 'failed'), rec('c', 0), rec('d', [])])?.name, 'c');
  assert.equal(nothingFrozenBaseline([rec('a', 10), rec('d', [], 'running')])?.name, 'd');
  assert.equal(nothingFrozenBaseline([rec('a', 10), rec('b', [0, 1])]), undefined);
  assert.equal(
    nothingFrozenBaseline([at(rec('z', 0), '2024-01-01T10:00:00Z'), at(rec('a', 0), '2024-01-02T10:00:00Z')])?.name,
    'z',
    'a later run does not displace it',
  );
  assert.equal(formatFreeze([0, 3, 'model.4.bn']), '[0, 3, model.4.bn]');
});

test('buildSummary uses the chosen baseline when it exists, else the default', () => {
  const runs = [
    { record: rec('f10', 10), cols: toColumns(epochs([0.7], 1, 100)) },
    { record: rec('f0', 0), cols: toColumns(epochs([0.8], 2, 200)) },
  ];
  const t = buildSummary(runs);
  assert.equal(t.groups[0].baseline, 'f0');
  assert.equal(t.groups[0].baselineFrom, 'nothing-frozen');
  assert.deepEqual([...t.deltas.keys()], ['f10']);
  assert.equal(t.baselineOf.get('f10'), 'f0');
  const t2 = buildSummary(runs, 'f10');
  assert.equal(t2.groups[0].baseline, 'f10');
  assert.equal(t2.groups[0].baselineFrom, 'chosen');
  assert.equal(t2.chosen, 'f10');
  assert.equal(formatDelta(t2.deltas.get('f0')!), '+10.0 pt accuracy, 2.0x slower, +0% RSS');
  assert.equal(buildSummary(runs, 'gone').groups[0].baseline, 'f0');
  assert.equal(buildSummary(runs, 'gone').chosen, undefined);
});

test('the incremental builder gives the same summary as one pass', () => {
  const all = epochs([0.5, 0.9, 0.85, 0.95, 0.7], 2, 100);
  const cols = toColumns(all.slice(0, 2));
  const b = new RunSummaryBuilder().add(cols);
  appendEpochs(cols, all.slice(2, 4));
  b.add(cols);
  appendEpochs(cols, all.slice(4));
  assert.deepEqual(b.add(cols).result(rec('r', 0)), summarizeRun(rec('r', 0), toColumns(all)));
  assert.equal(b.count, 5);
});

test('a detection run (YOLOv5: no classification accuracy) is summarised on mAP@0.5', () => {
  const det = epochs([0, 0, 0], 10, 0).map((e, i) => ({
    ...e,
    'val/accuracy': null as unknown as number, // YOLOv5 epochs carry null accuracy
    'val/mAP_0.5': [0.31, 0.45, 0.42][i],
    'val/mAP_0.5:0.95': [0.15, 0.22, 0.21][i],
  }));
  const s = summarizeRun({ ...rec('yolo', 10), trainer: 'yolov5' }, toColumns(det));
  assert.equal(s.metric, 'mAP@0.5');
  assert.equal(s.best, 0.45);
  assert.equal(s.bestEpoch, 2);
  assert.equal(s.final, 0.42);
});
