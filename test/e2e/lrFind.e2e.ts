// The LR finder like a user runs it: "Transfer Lab: Find Learning Rate" from the palette, the
// "loss vs learning rate" chart in the comparison panel with its suggestion, and the notification's
// "Use … as train.lr", which writes the value into experiment.yaml and keeps its comment.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSession, openContainer, runCommand, webviewFrame } from './session';

const EXPERIMENT = `# e2e experiment for the LR finder
model: model.yaml
data:
  source: mnist
  classes: [0, 1, 2, 3, 4]
  limit: 160
train:
  batch: 16
  lr: 0.001 # the rate to replace
freeze: 0
`;

test('Find Learning Rate: the loss-vs-LR chart in the panel, and its suggestion written as train.lr', async () => {
  // wasm: the figures do not depend on whether this machine has PyTorch (auto would take torch).
  const s = await openSession({ experiment: EXPERIMENT, settings: { 'transferLab.engine': 'wasm' } });
  const { page } = s;
  try {
    await openContainer(page);
    await page
      .getByRole('tree', { name: /Modules/ })
      .locator('.monaco-list-row', { hasText: '0 Conv' })
      .waitFor({ timeout: 60_000 });
    await runCommand(page, 'Transfer Lab: Find Learning Rate');
    // Toasts wait for a focused window, which a headless page is not: the notification centre
    // (the status bar's bell) lists them all the same, the cancellable progress first.
    await page.locator('[id="status.notifications"]').click();
    const center = page.locator('.notifications-center');
    await center.locator('.notification-list-item', { hasText: 'Finding a learning rate' }).first().waitFor({ timeout: 60_000 });

    const frame = webviewFrame(page);
    const section = frame.locator('section.tl-lr-find');
    await section.locator('svg').waitFor({ timeout: 300_000 });
    assert.match((await section.locator('h3').textContent()) ?? '', /loss vs learning rate/);
    const svgTitle = await section.locator('svg > title').textContent();
    assert.equal(svgTitle, 'loss vs learning rate — run');
    // A log x axis: decade ticks from 1e-7.
    const ticks = await section.locator('svg text').allTextContents();
    assert.ok(ticks.includes('1e-7') && ticks.includes('1e-3'), ticks.join(' '));
    const caption = (await section.locator('figcaption').textContent()) ?? '';
    const suggested = /suggested (\d\.\de-?\d+) \((steepest descent|minimum ÷ 10)\)/.exec(caption);
    assert.ok(suggested, caption);
    // The suggestion is marked on the chart, named as suggested.
    assert.ok(await section.locator('svg path > title', { hasText: `suggested: ${suggested[2]} ${suggested[1]}` }).count());
    await s.shot('lr-find-panel');

    // The result file beside the runs, no run folder for it.
    const results = readdirSync(path.join(s.workspace, 'runs', '.lr-find'));
    assert.equal(results.length, 1, results.join(', '));
    assert.deepEqual(
      readdirSync(path.join(s.workspace, 'runs')).filter((f) => !f.startsWith('.')),
      [],
    );

    // Opening the panel closed the centre: open it again for the finder's offer.
    if (!(await center.isVisible())) await page.locator('[id="status.notifications"]').click();
    const use = center.getByRole('button', { name: `Use ${suggested[1]} as train.lr` });
    await use.waitFor({ timeout: 30_000 });
    await use.click();
    const lrLine = (): string =>
      readFileSync(path.join(s.workspace, 'experiment.yaml'), 'utf8')
        .split('\n')
        .find((l) => l.trim().startsWith('lr:')) ?? '';
    const want = `  lr: ${suggested[1]} # the rate to replace`;
    const end = Date.now() + 20_000;
    while (lrLine() !== want && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.equal(lrLine(), want);
  } catch (e) {
    await s.shot('lr-find-failed').catch(() => undefined);
    throw e;
  } finally {
    await s.close();
  }
});
