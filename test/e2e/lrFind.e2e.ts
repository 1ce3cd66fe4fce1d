// Issue #17's fine-tuning set-up like a user makes it: a learning-rate multiplier set from a module's
// context menu in the Modules view, then "Transfer Lab: Find Learning Rate" from the palette, the
// "loss vs learning rate" chart in the comparison panel with its suggestion, and the notification's
// "Use … as train.lr", which writes the value into experiment.yaml and keeps its comment.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EXTENSION_FROM, openSession, openContainer, runCommand, webviewFrame } from './session';

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

const experimentText = (s: { workspace: string }): string => readFileSync(path.join(s.workspace, 'experiment.yaml'), 'utf8');

async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const from of EXTENSION_FROM)
  test(`a multiplier from the Modules view, then Find Learning Rate: its chart in the panel, its suggestion written as train.lr (extension from ${from})`, async () => {
    // wasm: the figures do not depend on whether this machine has PyTorch (auto would take torch).
    const s = await openSession({ experiment: EXPERIMENT, settings: { 'transferLab.engine': 'wasm' }, extension: from });
    const { page } = s;
    try {
      await openContainer(page);
      const row = page
        .getByRole('tree', { name: /Modules/ })
        .locator('.monaco-list-row[role=treeitem]')
        .filter({ hasText: '2 Conv' });
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      // Module 2 learns 10 times slower: its row's context menu, the input box, the file and the row.
      await row.click({ button: 'right' });
      // The menu takes the keyboard (a click on its item does not reach it in the headless page).
      await page.getByRole('menuitem', { name: /Set Learning-Rate Multiplier/ }).waitFor();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible' });
      await input.fill('0.1');
      await page.keyboard.press('Enter');
      await until(() => /^ {2}lrMult:\n {4}2: 0\.1$/m.test(experimentText(s)), `lrMult in experiment.yaml:\n${experimentText(s)}`);
      await row.locator('.label-description', { hasText: 'lr ×0.1' }).waitFor({ timeout: 20_000 });
      await s.shot('lr-find-multiplier');

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
        experimentText(s)
          .split('\n')
          .find((l) => l.trim().startsWith('lr:')) ?? '';
      const want = `  lr: ${suggested[1]} # the rate to replace`;
      await until(() => lrLine() === want, `${want}, got '${lrLine()}'`);
      assert.match(experimentText(s), /^ {2}lrMult:\n {4}2: 0\.1$/m, 'the multiplier stays');
    } catch (e) {
      await s.shot('lr-find-failed').catch(() => undefined);
      throw e;
    } finally {
      await s.close();
    }
  });
