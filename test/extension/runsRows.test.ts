// What the Runs view shows per run, and how it groups sweeps.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { topLevel } from '../../src/extension/runs/runGroups';
import { bestAccuracy, progressText, rowDescription } from '../../src/extension/runs/runRowText';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';

function epoch(n: number, acc: number): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 1,
    'val/loss': 1,
    'val/accuracy': acc,
    lr: 0.001,
    epoch_seconds: 2,
    images_per_second: 100,
    tensor_bytes: 0,
    rss_bytes: 0,
    time: '2026-11-26T12:00:00Z',
  };
}

const rec = (over: Partial<RunRecord>): RunRecord => ({ name: 'r', status: 'running', experiment: '/ws/e.yaml', freeze: 10, ...over });

test('a running row: best accuracy, epoch n/N with batch progress, freeze, engine and device', () => {
  const row = {
    record: rec({ epochs: 5, engine: 'wasm', device: 'Intel(R) Xeon(R) Platinum 8375C CPU (2 cores)' }),
    epochs: [epoch(0, 0.5), epoch(1, 0.75)],
    batch: { epoch: 2, done: 3, of: 12 },
  };
  assert.equal(progressText(row), 'epoch 3/5 (25%)');
  assert.equal(bestAccuracy(row), 0.75);
  assert.equal(rowDescription(row), 'best 75.0% · epoch 3/5 (25%) · freeze 10 · wasm · Intel(R) Xeon(R) Platinum 8…');
});

test('a finished row starts with its result: the sidebar cuts the engine and device, not the accuracy', () => {
  const record = rec({
    status: 'finished',
    epochs: 8,
    epochsDone: 8,
    freeze: 6,
    engine: 'wasm',
    device: 'AMD EPYC (2 cores) (WebAssembly SIMD, 2 threads)',
  });
  const inSweep = rowDescription({ record, epochs: [epoch(0, 0.9), epoch(1, 0.941)] }, { showFreeze: false });
  assert.equal(inSweep, 'best 94.1% · finished 8/8 · wasm · AMD EPYC (2 cores) (WebAsse…');
  // What a default-width sidebar shows of it (about 40 characters after the label) holds the result.
  assert.match(inSweep.slice(0, 40), /^best 94\.1% · finished 8\/8/);
});

test('queued, starting, stopping, finished and failed rows', () => {
  assert.equal(progressText({ record: rec({ status: 'queued' }), epochs: [] }), 'queued');
  assert.equal(progressText({ record: rec({}), epochs: [] }), 'starting…');
  assert.equal(progressText({ record: rec({ epochs: 3 }), epochs: [], stopping: true }), 'stopping…');
  assert.equal(progressText({ record: rec({ status: 'finished', epochs: 3, epochsDone: 3 }), epochs: [] }), 'finished 3/3');
  const failed = rowDescription({
    record: rec({ status: 'failed', freeze: [0, 'model.3.bn'], error: 'engine wasm: no Conv2DBackpropFilter\nstack…' }),
    epochs: [],
  });
  assert.equal(failed, 'failed · freeze [0, model.3.bn] · engine wasm: no Conv2DBackpropFilter');
  assert.equal(bestAccuracy({ record: rec({ bestAccuracy: 0.9 }), epochs: [epoch(0, 0.8)] }), 0.9, 'the record’s best counts too');
});

test('sweeps group their runs in queue order; other runs stay rows', () => {
  const run = (name: string, sweep: string | undefined, sortTime: number, folder = '/ws') => ({
    folder,
    record: rec({ name, sweep }),
    sortTime,
  });
  const nodes = topLevel([
    run('single', undefined, 50),
    run('s1-freeze-24', 's1', 12),
    run('s1-freeze-0', 's1', 10),
    run('s1-freeze-10', 's1', 11),
    run('s1-freeze-0', 's1', 10, '/other'),
  ]);
  assert.deepEqual(
    nodes.map((n) => (n.kind === 'run' ? n.run.record.name : `${n.sweep}@${n.folder}: ${n.runs.map((r) => r.record.name).join(',')}`)),
    ['single', 's1@/ws: s1-freeze-0,s1-freeze-10,s1-freeze-24', 's1@/other: s1-freeze-0'],
  );
});
