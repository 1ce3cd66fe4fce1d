import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  hostMessageProblem,
  isHostMessage,
  isWebviewMessage,
  webviewMessageProblem,
  type HostMessage,
} from '../../src/shared/panel/contract';
import { toColumns } from '../../src/shared/panel/series';
import type { EpochMetrics } from '../../src/shared/runFolder/contract';

const ep = (n: number): EpochMetrics => ({
  epoch: n,
  'train/loss': 1,
  'val/loss': 1,
  'val/accuracy': 0.5,
  lr: 0.1,
  epoch_seconds: 1,
  images_per_second: 10,
  tensor_bytes: 1,
  rss_bytes: 2,
  time: '2024-01-01T00:00:00Z',
});
const info = { record: { name: 'a', status: 'running' as const, experiment: '/e.yaml', freeze: 0 }, dir: '/w/runs/a', color: '#4e79a7' };
const init: HostMessage = { type: 'init', runs: [info], series: { a: toColumns([ep(1), ep(2)]) }, summary: {}, theme: 'dark' };

test('valid host messages pass', () => {
  for (const m of [
    init,
    { type: 'appendEpochs', run: 'a', epochs: [ep(3)] },
    { type: 'runUpdated', run: info },
    { type: 'runUpdated', run: info, series: toColumns([]) },
    { type: 'removeRun', run: 'a' },
    { type: 'visibleRuns', runs: null },
    { type: 'visibleRuns', runs: ['a'] },
    { type: 'theme', kind: 'high-contrast-light' },
  ])
    assert.equal(hostMessageProblem(m), undefined, JSON.stringify(m).slice(0, 80));
  // A posted message is structured-cloned/JSON'd: it must survive that.
  assert.ok(isHostMessage(JSON.parse(JSON.stringify(init))));
});

test('invalid host messages are rejected with a reason', () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [{ type: 'nope' }, /unknown message type "nope"/],
    [{ ...init, series: {} }, /series of run "a" is not an object/],
    [{ ...init, series: { a: { ...toColumns([ep(1)]), time: [] } } }, /"time" is not an array of 1/],
    [{ ...init, runs: [{ ...info, record: { ...info.record, status: 'done' } }] }, /runs\[0\] record "status" is "done"/],
    [{ ...init, theme: 'blue' }, /"theme" is "blue"/],
    [{ type: 'appendEpochs', run: 'a', epochs: [{ epoch: 'x' }] }, /epochs\[0\] has no numeric "epoch"/],
    [{ type: 'visibleRuns', runs: [1] }, /visibleRuns/],
  ];
  for (const [m, re] of cases) {
    assert.match(hostMessageProblem(m) ?? '', re);
    assert.equal(isHostMessage(m), false);
  }
});

test('webview messages: valid pass, invalid are rejected', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'rendered', runs: ['a'], charts: ['accuracy'], summaryRows: 1, points: 2 },
    { type: 'setVisibleRuns', runs: ['a'] },
    { type: 'setBaseline', run: null },
    { type: 'export', format: 'csv', what: 'summary', data: 'run\r\n' },
    { type: 'export', format: 'png', what: 'chart-loss', data: 'data:image/png;base64,AAAA' },
    { type: 'openRun', run: 'a' },
    { type: 'log', level: 'error', message: 'x' },
  ])
    assert.ok(isWebviewMessage(m), JSON.stringify(m));
  assert.match(webviewMessageProblem({ type: 'export', format: 'pdf', what: 'x', data: '' }) ?? '', /"format" is "pdf"/);
  assert.match(webviewMessageProblem({ type: 'export', format: 'png', what: 'x', data: 'data:text/html,<b>' }) ?? '', /png "data"/);
  assert.match(webviewMessageProblem({ type: 'setVisibleRuns' }) ?? '', /setVisibleRuns/);
  assert.match(webviewMessageProblem('ready') ?? '', /not an object/);
});
