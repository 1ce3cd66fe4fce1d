import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RunStore } from '../../webview/runStore';
import { toColumns } from '../../src/shared/panel/series';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';

const ep = (n: number): EpochMetrics => ({
  epoch: n,
  'train/loss': 1,
  'val/loss': 1,
  'val/accuracy': n / 10,
  lr: 0.1,
  epoch_seconds: 1,
  images_per_second: 10,
  tensor_bytes: 1,
  rss_bytes: 2,
  time: new Date(1.7e12 + n * 1000).toISOString(),
});
const info = (name: string, status: RunRecord['status'] = 'running') => ({
  record: { name, status, experiment: '/e', freeze: 0 },
  dir: `/r/${name}`,
  color: '#000',
});

test('init, appends (deduplicated), updates, removal', () => {
  const s = new RunStore();
  assert.deepEqual(
    s.apply({
      type: 'init',
      runs: [info('a'), info('b')],
      series: { a: toColumns([ep(1)]), b: toColumns([]) },
      summary: { baseline: 'a' },
      theme: 'light',
    }),
    { kind: 'reset' },
  );
  assert.deepEqual([...s.runs.keys()], ['a', 'b']);
  assert.equal(s.baseline, 'a');
  assert.deepEqual(s.apply({ type: 'appendEpochs', run: 'a', epochs: [ep(1), ep(2), ep(3)] }), { kind: 'append', run: 'a', from: 1 });
  assert.deepEqual(s.runs.get('a')!.cols.epoch, [1, 2, 3]);
  assert.deepEqual(s.apply({ type: 'appendEpochs', run: 'a', epochs: [ep(3)] }), { kind: 'none' });
  assert.deepEqual(s.apply({ type: 'appendEpochs', run: 'zz', epochs: [ep(1)] }), { kind: 'none' });
  assert.deepEqual(s.apply({ type: 'runUpdated', run: info('a', 'finished') }), {
    kind: 'run',
    run: 'a',
    added: false,
    seriesReplaced: false,
  });
  assert.equal(s.runs.get('a')!.info.record.status, 'finished');
  assert.equal(s.runs.get('a')!.cols.epoch.length, 3);
  assert.deepEqual(s.apply({ type: 'runUpdated', run: info('c'), series: toColumns([ep(1)]) }), {
    kind: 'run',
    run: 'c',
    added: true,
    seriesReplaced: true,
  });
  assert.deepEqual(s.apply({ type: 'removeRun', run: 'b' }), { kind: 'remove', run: 'b' });
  assert.deepEqual([...s.runs.keys()], ['a', 'c']);
  assert.equal(s.totalPoints(), 4);
});
