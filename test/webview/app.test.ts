// The comparison panel's webview bundle in headless Chromium, served with the page and the strict
// CSP the extension uses, the toolkit loaded as in VS Code, acquireVsCodeApi stubbed to record what
// the webview posts. Needs `npm run compile` (dist/) and Chromium (CHROME_PATH or /usr/bin/chromium).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/shared/panel/contract';
import { runColors } from '../../src/extension/panel/palette';
import { toColumns } from '../../src/shared/panel/series';
import type { EpochMetrics, RunRecord } from '../../src/shared/runFolder/contract';
import { openPanel, useChromium } from '../support/panelPage';

function epoch(n: number, acc: number, secs: number, bytes: number): EpochMetrics {
  return {
    epoch: n,
    'train/loss': 2 / n,
    'val/loss': 2.2 / n,
    'val/accuracy': acc,
    lr: 0.001,
    epoch_seconds: secs,
    images_per_second: 1000 / secs,
    tensor_bytes: bytes,
    rss_bytes: 4e8 + bytes,
    time: new Date(Date.UTC(2024, 0, 1) + n * secs * 1000).toISOString(),
  };
}

const RUNS: Array<[string, number, number, number]> = [
  ['freeze-0', 0, 3, 1e8],
  ['freeze-10', 10, 1.5, 6e7],
  ['freeze-24', 24, 0.5, 2e7],
];
const colors = runColors(RUNS.map((r) => r[0]));
const info = (name: string, freeze: number, status: RunRecord['status'] = 'finished') => ({
  record: { name, status, experiment: '/w/t.experiment.yaml', freeze, epochs: 10, trainableParams: 1e6 * (25 - freeze), totalParams: 25e6 },
  dir: `/w/runs/${name}`,
  color: colors.get(name) ?? '#888888',
});
const series = (top: number, secs: number, bytes: number, n = 10) =>
  toColumns(Array.from({ length: n }, (_, i) => epoch(i + 1, top - 0.3 / (i + 1), secs, bytes)));
const INIT: HostMessage = {
  type: 'init',
  runs: RUNS.map(([name, freeze]) => info(name, freeze)),
  series: Object.fromEntries(RUNS.map(([name, freeze, secs, bytes]) => [name, series(0.9 - freeze / 1000, secs, bytes)])),
  summary: {},
  theme: 'dark',
};

useChromium();
const open = openPanel;

test('renders the runs under the strict CSP: charts, summary with deltas, valid messages only', async () => {
  const o = await open();
  await o.send(INIT);
  const r = await o.waitRendered({ points: 30 });
  assert.deepEqual(r.runs, ['freeze-0', 'freeze-10', 'freeze-24']);
  assert.deepEqual(
    r.charts,
    ['accuracy', 'loss', 'lr', 'epochTime', 'throughput', 'memory'],
    'device utilisation has no data, so no chart',
  );
  assert.equal(r.summaryRows, 3);
  assert.equal(await o.page.locator('.tl-chart canvas').count(), 6);
  const rows = await o.page.locator('.tl-summary tr.tl-run').allInnerTexts();
  assert.match(rows[0], /freeze-0[\s\S]*baseline/);
  assert.match(rows[1], /pt accuracy, 2\.0x faster, -8% RSS/);
  assert.match(rows[2], /6\.0x faster, -16% RSS/);
  assert.equal(
    await o.page.locator('.tl-summary tr.tl-group-heading').innerText(),
    't.experiment.yaml · data not recorded · single runs — baseline: freeze-0 (nothing frozen)',
  );
  assert.equal(await o.page.locator('.tl-empty:not([hidden])').count(), 1);
  // The toolkit's elements were upgraded (it loaded as a module under the CSP).
  assert.equal(await o.page.evaluate(() => customElements.get('vscode-checkbox') !== undefined), true);
  for (const m of await o.posted()) assert.ok(isWebviewMessage(m), JSON.stringify(m).slice(0, 100));
  assert.deepEqual(o.errors, []);
  // The CSP is in force: a script without the nonce does not run.
  const ran = await o.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    return (window as unknown as { __inline?: number }).__inline;
  });
  assert.equal(ran, undefined);
  await o.page.close();
});

test('live messages update in place: appends, a new run, a removed run, a bad message', async () => {
  const o = await open();
  await o.send(INIT);
  await o.waitRendered({ points: 30 });
  const canvas = await o.page.locator('.tl-chart canvas').first().elementHandle();
  await o.send({ type: 'appendEpochs', run: 'freeze-24', epochs: [epoch(11, 0.99, 0.5, 2e7)] });
  await o.waitRendered({ points: 31 });
  assert.ok(await canvas!.evaluate((c) => c.isConnected), 'the chart was updated, not rebuilt');
  assert.match(await o.page.locator('.tl-summary tr.tl-run').nth(2).innerText(), /99\.0% \(11\)/);
  await o.send({ type: 'runUpdated', run: info('freeze-5', 5, 'running'), series: series(0.85, 2, 8e7, 4) });
  await o.waitRendered({ points: 35, runs: 4 });
  assert.equal(await o.page.locator('.tl-run-checks vscode-checkbox').count(), 4);
  await o.send({ type: 'removeRun', run: 'freeze-10' });
  const r = await o.waitRendered({ points: 25, runs: 3 });
  assert.equal(r.summaryRows, 3);
  await o.send({ type: 'appendEpochs', run: 'freeze-0', epochs: [{ epoch: 'eleven' }] });
  await o.page.waitForFunction(() =>
    (window as unknown as { __posted: Array<{ type: string; message?: string }> }).__posted.some(
      (m) => m.type === 'log' && /ignored a message/.test(m.message ?? ''),
    ),
  );
  assert.deepEqual(o.errors, []);
  await o.page.close();
});

test('an init it cannot read is named on the page, not left loading; a good one then draws', async () => {
  const o = await open();
  const bad = structuredClone(INIT) as Extract<HostMessage, { type: 'init' }>;
  delete (bad.series['freeze-10'].values as Partial<Record<string, unknown>>)['val/mAP_0.5'];
  await o.send(bad);
  const note = o.page.locator('.tl-load-error[role=alert]');
  await note.waitFor({ state: 'visible' });
  assert.match((await note.textContent()) ?? '', /freeze-10.*val\/mAP_0\.5.*Open Comparison/);
  assert.equal(await o.page.locator('#app').getAttribute('aria-busy'), 'false');
  await o.send(INIT);
  await o.waitRendered({ points: 30 });
  assert.equal(await note.isVisible(), false);
  assert.deepEqual(o.errors, []);
  await o.page.close();
});

test('controls: hiding a run tells the host and is remembered; smoothing and axis are kept in state', async () => {
  const o = await open();
  await o.send(INIT);
  await o.waitRendered({ points: 30 });
  await o.page.locator('.tl-run-checks vscode-checkbox', { hasText: 'freeze-10' }).click();
  await o.page.waitForFunction(() =>
    (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'setVisibleRuns'),
  );
  const vis = (await o.posted()).filter((m) => m.type === 'setVisibleRuns').pop() as { runs: string[] };
  assert.deepEqual(vis.runs, ['freeze-0', 'freeze-24']);
  assert.match((await o.page.locator('.tl-summary tr.tl-run').nth(1).getAttribute('class')) ?? '', /tl-run-hidden/);
  await o.page.locator('input[type=range]').fill('0.6');
  await o.page.locator('vscode-dropdown').first().click();
  await o.page.locator('vscode-option', { hasText: 'Relative time' }).click();
  const state = (await o.page.evaluate(() => (window as unknown as { __state: Record<string, unknown> }).__state)) as {
    hiddenRuns: string[];
    smoothing: number;
    xAxis: string;
  };
  assert.deepEqual(state.hiddenRuns, ['freeze-10']);
  assert.equal(state.smoothing, 0.6);
  assert.equal(state.xAxis, 'relative');
  assert.deepEqual(o.errors, []);
  await o.page.close();

  // A reloaded webview (hidden and shown again) starts from the saved state.
  const again = await open(state);
  await again.send(INIT);
  await again.waitRendered({ points: 30 });
  assert.equal(await again.page.locator('input[type=range]').inputValue(), '0.6');
  assert.equal(
    await again.page
      .locator('.tl-run-checks vscode-checkbox', { hasText: 'freeze-10' })
      .evaluate((c) => (c as HTMLElement & { checked: boolean }).checked),
    false,
  );
  assert.equal(
    await again.page
      .locator('vscode-dropdown')
      .first()
      .evaluate((d) => (d as HTMLElement & { value: string }).value),
    'relative',
  );
  await again.page.close();
});

test('exports: PNG of a chart, SVG built from the data, table and series CSV', async () => {
  const o = await open();
  await o.send(INIT);
  await o.waitRendered({ points: 30 });
  const chart = o.page.locator('.tl-chart').first();
  await chart.locator('vscode-button', { hasText: 'PNG' }).click();
  await chart.locator('vscode-button', { hasText: 'SVG' }).click();
  await o.page.locator('vscode-button', { hasText: 'Table CSV' }).click();
  await o.page.locator('vscode-button', { hasText: 'Series CSV' }).click();
  await o.page.waitForFunction(
    () => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'export').length === 4,
  );
  const ex = (await o.posted()).filter((m): m is Extract<WebviewMessage, { type: 'export' }> => m.type === 'export');
  for (const m of ex) assert.ok(isWebviewMessage(m));
  assert.deepEqual(
    ex.map((m) => [m.format, m.what]),
    [
      ['png', 'chart-accuracy'],
      ['svg', 'chart-accuracy'],
      ['csv', 'summary'],
      ['csv', 'series'],
    ],
  );
  const png = Buffer.from(ex[0].data.split(',')[1], 'base64');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.equal((ex[1].data.match(/<path d=/g) ?? []).length, 3, 'one polyline per run');
  assert.equal(ex[2].data.trimEnd().split('\r\n').length, 4);
  assert.equal(ex[3].data.trimEnd().split('\r\n').length, 31);
  await o.page.close();
});

test('theme: a body class change re-reads the colours and redraws', async () => {
  const o = await open();
  await o.send(INIT);
  await o.waitRendered({ points: 30 });
  const before = (await o.posted()).filter((m) => m.type === 'rendered').length;
  await o.page.evaluate(() => {
    document.body.style.setProperty('--vscode-editor-foreground', 'rgb(10, 20, 30)');
    document.body.className = 'vscode-light';
  });
  await o.page.waitForFunction(
    (n) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'rendered').length > n,
    before,
  );
  // uPlot draws axis labels with the theme's foreground: the new one must appear on the canvas.
  const hasColour = await o.page
    .locator('.tl-chart canvas')
    .first()
    .evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i] - 10) < 3 && Math.abs(d[i + 1] - 20) < 3 && Math.abs(d[i + 2] - 30) < 3 && d[i + 3] > 200) return true;
      return false;
    });
  assert.ok(hasColour);
  assert.deepEqual(o.errors, []);
  await o.page.close();
});

test('summary groups: the sweep compares with its own freeze-0 run, the pretraining run apart, a picked baseline shown', async () => {
  const transfer = '/w/transfer.experiment.yaml';
  const digits = 'mnist digits 5,6,7,8,9, 150 labels, 20% validation';
  const mk = (name: string, freeze: number, more: Partial<RunRecord>, top: number, secs: number, bytes: number) => ({
    info: { ...info(name, freeze), record: { ...info(name, freeze).record, experiment: transfer, data: digits, ...more } },
    cols: series(top, secs, bytes, 4),
  });
  const runs = [
    mk('single-0', 0, { startedAt: '2024-01-02T00:00:00Z' }, 0.95, 3, 1e8),
    mk('s1-freeze-10', 10, { sweep: 's1' }, 0.85, 1.5, 6e7),
    mk(
      'pretrain',
      0,
      { experiment: '/w/pretrain.experiment.yaml', data: 'mnist digits 0,1,2,3,4, all labels, 20% validation' },
      0.99,
      2,
      1e8,
    ),
    mk('s1-freeze-0', 0, { sweep: 's1', status: 'running', startedAt: '2024-01-01T00:00:00Z' }, 0.9, 3, 1e8),
  ];
  const o = await open();
  await o.send({
    type: 'init',
    runs: runs.map((r) => r.info),
    series: Object.fromEntries(runs.map((r) => [r.info.record.name, r.cols])),
    summary: {},
    theme: 'dark',
  } satisfies HostMessage);
  await o.waitRendered({ points: 16 });
  const headings = await o.page.locator('.tl-summary tr.tl-group-heading').allInnerTexts();
  assert.deepEqual(headings, [
    'pretrain.experiment.yaml · mnist digits 0,1,2,3,4, all labels, 20% validation · single runs — no other run of this experiment on the same data: nothing to compare with',
    `transfer.experiment.yaml · ${digits} · single runs — comparable with the other groups of this experiment and data: pick a baseline to compare them`,
    `transfer.experiment.yaml · ${digits} · sweep s1 — baseline: s1-freeze-0 (nothing frozen)`,
  ]);
  // The group bodies lay out as table rows: a run's cells stand under their column headers.
  const headerX = await o.page
    .locator('.tl-summary thead th')
    .nth(2)
    .evaluate((e) => e.getBoundingClientRect().left);
  const cellX = await o.page
    .locator('.tl-summary tr.tl-run')
    .last()
    .locator('td')
    .nth(1)
    .evaluate((e) => e.getBoundingClientRect().left);
  assert.equal(cellX, headerX, 'the "vs baseline" cells line up with their header');
  const names = async () => o.page.locator('.tl-summary tr.tl-run th').allInnerTexts();
  assert.deepEqual(await names(), ['pretrain', 'single-0', 's1-freeze-0', 's1-freeze-10']);
  const row = (name: string) => o.page.locator('.tl-summary tr.tl-run', { has: o.page.locator(`button[aria-label="Open run ${name}"]`) });
  assert.match(await row('s1-freeze-10').innerText(), /-5\.0 pt accuracy, 2\.0x faster, -8% RSS/);
  assert.doesNotMatch(await row('pretrain').innerText(), /baseline|pt accuracy/);
  assert.doesNotMatch(await row('single-0').innerText(), /baseline|pt accuracy/);

  // A new run takes its place by what it freezes, not at the end.
  await o.send({ type: 'runUpdated', run: mk('s1-freeze-5', 5, { sweep: 's1', status: 'queued' }, 0, 1, 0).info } satisfies HostMessage);
  await o.waitRendered({ points: 16, runs: 5 });
  assert.deepEqual(await names(), ['pretrain', 'single-0', 's1-freeze-0', 's1-freeze-5', 's1-freeze-10']);

  // Picking the single run as baseline: posted to the host, and it serves the sweep (same data), said so.
  const picker = o.page.locator('vscode-dropdown').last();
  await picker.click();
  await picker.locator('vscode-option', { hasText: 'single-0' }).click();
  await o.page.waitForFunction(() =>
    (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'setBaseline'),
  );
  const set = (await o.posted()).filter((m) => m.type === 'setBaseline');
  assert.deepEqual(set, [{ type: 'setBaseline', run: 'single-0' }]);
  for (const m of set) assert.ok(isWebviewMessage(m));
  await o.page.waitForFunction(() =>
    Array.from(document.querySelectorAll('.tl-group-heading')).some((h) => h.textContent?.includes('baseline: single-0 (your choice)')),
  );
  assert.match(await row('single-0').innerText(), /baseline \(your choice\)/);
  assert.match(await row('s1-freeze-0').innerText(), /-5\.0 pt accuracy/);
  assert.doesNotMatch(await row('pretrain').innerText(), /baseline|pt accuracy/, 'other data: never compared');
  assert.deepEqual(o.errors, []);
  await o.page.close();
});

test('YOLOv5 runs: mAP@0.5 headers and deltas, GPU memory compared where recorded', async () => {
  const yolo = (name: string, freeze: number, map: number, secs: number, gpu: number) => ({
    info: {
      ...info(name, freeze),
      record: { ...info(name, freeze).record, trainer: 'yolov5' as const, deviceSource: 'nvidia-smi' as const, sweep: 'y' },
    },
    cols: toColumns(
      Array.from({ length: 3 }, (_, i) => ({
        ...epoch(i + 1, 0, secs, 0),
        'val/accuracy': null as unknown as number,
        tensor_bytes: null as unknown as number,
        'val/mAP_0.5': map - 0.1 / (i + 1),
        device_memory_bytes: gpu,
      })),
    ),
  });
  const runs = [yolo('y-freeze-0', 0, 0.5, 10, 8e9), yolo('y-freeze-10', 10, 0.501, 5, 6e9)];
  const o = await open();
  await o.send({
    type: 'init',
    runs: runs.map((r) => r.info),
    series: Object.fromEntries(runs.map((r) => [r.info.record.name, r.cols])),
    summary: {},
    theme: 'dark',
  } satisfies HostMessage);
  await o.waitRendered({ points: 6 });
  const headers = await o.page.locator('.tl-summary thead th').allInnerTexts();
  assert.ok(headers.includes('Best mAP@0.5') && headers.includes('Final mAP@0.5'), headers.join(' | '));
  assert.ok(!headers.some((h) => /acc/i.test(h)), headers.join(' | '));
  assert.match(await o.page.locator('.tl-summary tr.tl-run').nth(1).innerText(), /\+0\.1 pt mAP@0\.5, 2\.0x faster, -25% GPU memory/);
  assert.deepEqual(o.errors, []);
  await o.page.close();
});

test('learning rate per step on a log axis, and the unfreeze marked on every chart, named in text beside it', async () => {
  const o = await open();
  // fine_tune: freeze 6 for epoch 1, then everything; 4 steps an epoch, one-cycle-like rates.
  const steps = [
    [1e-4, 3e-4, 6e-4, 1e-3],
    [5e-3, 4e-3, 2e-3, 1e-3],
    [5e-4, 2e-4, 5e-5, 1e-5],
  ];
  const epochs = steps.map((lrs, i) => ({
    ...epoch(i + 1, 0.8 + i / 20, 1, 1e7),
    lr: lrs[3],
    lr_steps: lrs,
    phase: i === 0 ? 0 : 1,
    freeze: i === 0 ? 6 : 0,
  }));
  const record = {
    ...info('s1-fine-tune', 6).record,
    fineTune: { freezeEpochs: 1, lrMult: 100 },
    phases: [
      { startEpoch: 1, freeze: 6 },
      { startEpoch: 2, freeze: 0 },
    ],
  };
  await o.send({
    type: 'init',
    runs: [{ record, dir: '/w/runs/s1-fine-tune', color: '#4e79a7' }, info('freeze-0', 0)],
    series: { 's1-fine-tune': toColumns(epochs), 'freeze-0': series(0.9, 3, 1e8, 3) },
    summary: {},
    theme: 'dark',
  });
  const r = await o.waitRendered({ points: 6 });
  assert.ok(r.charts.includes('lr'));
  const notes = await o.page.locator('.tl-chart .tl-phase-note:not([hidden])').allInnerTexts();
  assert.equal(notes.length, r.charts.length, 'every drawn chart names the phase change');
  for (const n of notes) assert.equal(n, 'Phase changes (dashed lines): s1-fine-tune from epoch 2 (freeze 6 → 0).');
  // The SVG export draws every step on a log axis (ticks at powers of ten) and the marker with its label.
  const lrChart = o.page.locator('.tl-chart', { has: o.page.locator('h3', { hasText: 'Learning rate' }) });
  await lrChart.getByRole('button', { name: /as SVG/ }).click();
  const svg = (
    await o.page.waitForFunction(() =>
      (window as unknown as { __posted: WebviewMessage[] }).__posted.find((m) => m.type === 'export' && m.what === 'chart-lr'),
    )
  ).jsonValue() as Promise<Extract<WebviewMessage, { type: 'export' }>>;
  const data = (await svg).data;
  for (const tick of ['1.00e-5', '1.00e-4', '0.001']) assert.ok(data.includes(`>${tick}</text>`), `log tick ${tick}`);
  assert.match(data, /stroke-dasharray="5 4"><title>freeze 6 → 0 \(s1-fine-tune, from epoch 2\)<\/title>/);
  const stepPath = /<path d="([^"]+)" stroke="#4e79a7"><title>s1-fine-tune<\/title>/.exec(data);
  assert.equal(stepPath?.[1].split(/[ML]/).filter(Boolean).length, 12, 'one point per step: 3 epochs × 4');
  const row = await o.page.locator('.tl-summary tr.tl-run', { hasText: 's1-fine-tune' }).innerText();
  assert.match(row, /fine_tune 6 → 0 at epoch 2, lr\/100…lr/);
  // Hiding the run hides its marker note too.
  await o.send({ type: 'visibleRuns', runs: ['freeze-0'] });
  await o.page.waitForFunction(() => document.querySelectorAll('.tl-chart .tl-phase-note:not([hidden])').length === 0);
  assert.deepEqual(o.errors, []);
  await o.page.close();
});
