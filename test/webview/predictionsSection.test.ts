// The Predictions section in the panel's page under its strict CSP: it asks for the shown runs'
// predictions, draws accessible heat maps (counts and row shares), thumbnails as data: URLs, compare
// mode with both predictions, a bad file's message, YOLOv5's missing plots; an image click posts
// only a run and an index.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isWebviewMessage, type HostMessage, type RunInfo } from '../../src/shared/panel/contract';
import { toColumns } from '../../src/shared/panel/series';
import { handMadePredictions } from '../support/predictionsFixture';
import { openPanel, useChromium } from '../support/panelPage';

useChromium();

const run = (name: string, color: string, patch: Partial<RunInfo['record']> = {}): RunInfo => ({
  record: { name, status: 'finished', experiment: '/w/t.experiment.yaml', freeze: 0, ...patch },
  dir: `/w/runs/${name}`,
  color,
});
const INIT: HostMessage = {
  type: 'init',
  runs: [
    run('freeze-0', '#4e79a7'),
    run('freeze-6', '#f28e2b', { freeze: 6 }),
    run('bad', '#e15759'),
    run('yolo', '#76b7b2', { trainer: 'yolov5' }),
  ],
  series: Object.fromEntries(['freeze-0', 'freeze-6', 'bad', 'yolo'].map((n) => [n, toColumns([])])),
  summary: {},
  theme: 'dark',
};
const files = ['val/cat/0.png', 'val/cat/1.png', 'val/dog/2.png', 'val/dog/3.png', 'val/dog/4.png', 'val/fox/5.png'];
const views: HostMessage[] = [
  {
    type: 'predictions',
    run: 'freeze-0',
    view: { kind: 'predictions', file: '/w/runs/freeze-0/predictions/best.json', predictions: handMadePredictions({ files }) },
  },
  {
    type: 'predictions',
    run: 'freeze-6',
    view: {
      kind: 'predictions',
      file: '/w/runs/freeze-6/predictions/best.json',
      predictions: handMadePredictions({ predicted: [0, 0, 0, 1, 0, 1], files }),
    },
  },
  {
    type: 'predictions',
    run: 'bad',
    view: {
      kind: 'problem',
      file: '/w/runs/bad/predictions/best.json',
      message: '/w/runs/bad/predictions/best.json is not a predictions file: "confusion" is not 3×3.',
    },
  },
  {
    type: 'predictions',
    run: 'yolo',
    view: { kind: 'yolov5', dir: '/w/runs/yolo', plots: [], missing: ['confusion_matrix.png', 'val_batch*_pred.jpg'] },
  },
];

test('the section asks for the shown runs and draws what comes back', async () => {
  const o = await openPanel();
  await o.send(INIT);
  await o.page.waitForFunction(() =>
    (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'requestPredictions'),
  );
  const request = (await o.posted()).find((m) => m.type === 'requestPredictions');
  assert.deepEqual(request, { type: 'requestPredictions', runs: ['freeze-0', 'freeze-6', 'bad', 'yolo'] });
  for (const m of views) await o.send(m);
  const card = o.page.locator('article.tl-prediction-card', { hasText: 'freeze-0' });
  await card.locator('table.tl-confusion').waitFor();

  // An accessible heat map: class names on both axes, every cell labelled with its numbers.
  assert.deepEqual(await card.locator('thead th').allInnerTexts(), ['true ↓ predicted →', 'cat', 'dog', 'fox']);
  assert.equal(await card.locator('td').nth(3).getAttribute('aria-label'), 'true dog, predicted cat: 1 image (33.3% of dog)');
  assert.deepEqual(await card.locator('tbody tr').nth(1).locator('td').allInnerTexts(), ['1', '1', '1']);
  await o.page.locator('.tl-predictions > header vscode-checkbox').click();
  await card.locator('td', { hasText: '33.3%' }).first().waitFor();
  assert.deepEqual(await card.locator('tbody tr').first().locator('td').allInnerTexts(), ['50%', '50%', '0%']);
  assert.match(await card.locator('.tl-confused').innerText(), /^cat → dog: 1 \(50\.0% of cat\)/);

  // Thumbnails load as data: URLs under the CSP, in the unfolded top-loss gallery.
  await card.locator('details.tl-losses summary').click();
  const img = card.locator('.tl-tile img').first();
  await img.waitFor();
  assert.ok(
    await img.evaluate((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0),
    'the thumbnail decoded',
  );
  assert.match((await img.getAttribute('src')) ?? '', /^data:image\/png;base64,/);

  // Compare mode: freeze-0 right and freeze-6 wrong on images 2 and 5, both predictions under each.
  const heading = o.page.locator('.tl-compare h4', { hasText: 'freeze-0 right, freeze-6 wrong (2)' });
  await heading.waitFor();
  const tiles = heading.locator('xpath=..').locator('.tl-tile');
  assert.deepEqual(await tiles.first().locator('.tl-tile-text span').allInnerTexts(), ['true dog', 'A: dog ✓', 'B: cat ✗']);
  assert.equal(await tiles.first().getAttribute('aria-label'), 'image 2, true dog: freeze-0 predicts dog, freeze-6 predicts cat');

  // An image click names a run and an index, never a path.
  await tiles.first().click();
  const opened = (await o.posted()).filter((m) => m.type === 'openPredictionImage');
  assert.deepEqual(opened, [{ type: 'openPredictionImage', run: 'freeze-0', index: 2 }]);

  assert.match(
    await o.page.locator('article.tl-prediction-card', { hasText: 'bad' }).locator('[role=alert]').innerText(),
    /bad\/predictions\/best\.json is not a predictions file/,
  );
  assert.match(
    await o.page.locator('article.tl-prediction-card', { hasText: 'yolo' }).innerText(),
    /No confusion_matrix\.png or val_batch\*_pred\.jpg in \/w\/runs\/yolo: YOLOv5 skips its plots .*--noplots/,
  );
  for (const m of await o.posted()) assert.ok(isWebviewMessage(m), JSON.stringify(m).slice(0, 100));
  assert.deepEqual(o.errors, []);
  await o.page.close();
});
