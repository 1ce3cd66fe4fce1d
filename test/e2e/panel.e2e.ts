// The bundled example like a newcomer runs it: open examples/digits, start the freeze sweep from
// the palette (pretraining runs first), open the comparison panel while a run is live and see new
// epochs arrive without a reload, see what each run learned (confusion matrices, compare mode), hide
// a run, switch the x-axis, export a CSV, and screenshot the panel in dark and light themes, its
// stylesheet in force. Once with the extension loaded from the
// source folder (that panel is the README's screenshot), once installed from the .vsix.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Page } from 'playwright-core';
import { assertPanelStyled } from './panelLayout';
import { checkPredictions, shotPredictions } from './predictionsCheck';
import {
  openSession,
  openContainer,
  runCommand,
  webviewFrame,
  Session,
  REPO,
  SCREENSHOTS,
  EXTENSION_FROM,
  type ExtensionFrom,
} from './session';

async function widenSideBar(page: Page, by: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by, y, { steps: 6 });
  await page.mouse.up();
}

async function pickTheme(page: Page, name: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  // The theme picker replaces the palette once it lists the installed themes.
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
}

async function sweepAndCompare(s: Session, from: ExtensionFrom): Promise<void> {
  const { page } = s;
  await openContainer(page);
  await page
    .getByRole('tree', { name: /Modules/ })
    .locator('.monaco-list-row', { hasText: '0 Conv' })
    .waitFor({ timeout: 60_000 });
  // The panel is open and ready before anything trains, so every epoch after this arrives live
  // (on a quiet machine the whole example sweep takes under a minute).
  await runCommand(page, 'Transfer Lab: Open Comparison');
  const frame = webviewFrame(page);
  await frame.locator('.tl-no-runs').waitFor({ timeout: 120_000 });
  await runCommand(page, 'Transfer Lab: Start Freeze Sweep');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'freeze 8' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  // Pretraining runs first (its weights do not exist yet).
  await frame.locator('tr.tl-run', { hasText: 'pretrain' }).waitFor({ timeout: 120_000 });
  // Epochs grow in the open panel: some run (pretraining or a sweep run) is seen below its total
  // and then further on, with no reload in between.
  const progressOf = async (): Promise<Map<string, [number, number]>> => {
    // [run name, epochs cell] per summary row ("3/8").
    const rows = await frame.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const cells = Array.from(tr.querySelectorAll('th, td')).map((c) => (c.textContent ?? '').trim());
        return [cells[0], cells.find((c) => /^\d+\/\d+$/.test(c)) ?? ''];
      }),
    );
    const out = new Map<string, [number, number]>();
    for (const [name, epochs] of rows) {
      const m = /^(\d+)\/(\d+)$/.exec(epochs);
      if (name && m) out.set(name, [Number(m[1]), Number(m[2])]);
    }
    return out;
  };
  const firstSeen = new Map<string, number>();
  const deadline = Date.now() + 240_000;
  let grew: string | undefined;
  while (!grew) {
    if (Date.now() > deadline) throw new Error(`no run's epochs grew in the open panel (first seen: ${JSON.stringify([...firstSeen])})`);
    for (const [name, [done, total]] of await progressOf()) {
      if (!firstSeen.has(name)) firstSeen.set(name, done);
      else if (firstSeen.get(name)! < total && done > firstSeen.get(name)!) grew = name;
    }
    await page.waitForTimeout(150);
  }
  await frame.locator('tr.tl-run', { hasText: '-freeze-0' }).waitFor({ timeout: 180_000 });
  await s.shot('panel-live-dark');
  assert.ok(existsSync(path.join(s.workspace, 'runs', 'pretrain', 'weights', 'best', 'model.json')), 'pretraining ran first');

  // Wait for the whole sweep, then compare.
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('.statusbar-item')).every(
        (e) => !/-freeze-\d+: (starting|epoch|queued)/.test(e.textContent ?? ''),
      ),
    undefined,
    { timeout: 300_000 },
  );
  for (const f of ['-freeze-0', '-freeze-6', '-freeze-8']) {
    await frame.locator('tr.tl-run', { hasText: f }).filter({ hasText: 'finished' }).waitFor({ timeout: 60_000 });
  }
  await frame.locator('tr.tl-run', { hasText: '-freeze-6' }).filter({ hasText: 'faster' }).waitFor();
  // The sweep compares with its own nothing-frozen run, named in its group's heading; the
  // pretraining run (digits 0–4, another experiment) is compared with nothing.
  await frame.locator('tr.tl-group-heading', { hasText: /· sweep \S+ — baseline: \S+-freeze-0 \(nothing frozen\)/ }).waitFor();
  await frame.locator('tr.tl-group-heading', { hasText: /^pretrain\.experiment\.yaml · mnist digits 0,1,2,3,4/ }).waitFor();
  assert.doesNotMatch(await frame.locator('tr.tl-run', { hasText: 'pretrain' }).innerText(), /baseline|pt accuracy/);

  // What each run learned: confusion matrices and compare mode, from the trainer's predictions files.
  await checkPredictions(frame);
  await shotPredictions(s, frame, 'dark');

  // Hide a run: its table row dims and the charts drop it.
  const hideRow = frame.locator('tr.tl-run', { hasText: '-freeze-8' });
  await frame.locator('.tl-run-checks vscode-checkbox', { hasText: '-freeze-8' }).click();
  await hideRow.and(frame.locator('tr.tl-run-hidden')).waitFor();

  // Switch the x-axis to relative time.
  await frame.locator('vscode-dropdown[aria-label="X axis"]').click();
  await frame.locator('vscode-option', { hasText: 'Relative time' }).click();
  await frame.locator('[aria-label*="against relative time"]').first().waitFor();

  // Export the summary table as CSV through the save dialog.
  await frame.getByRole('button', { name: 'Export the summary table as CSV' }).click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  // Accept the proposed file (the workspace folder, a name after what is exported). The simple
  // file dialog settles its value asynchronously, so accept again if the first one landed early.
  const csvFiles = (): string[] => readdirSync(s.workspace).filter((f) => f.endsWith('.csv'));
  const deadlineCsv = Date.now() + 30_000;
  while (csvFiles().length === 0) {
    if (Date.now() > deadlineCsv) {
      await s.shot('debug-csv');
      throw new Error('the CSV was not written');
    }
    if (await input.isVisible()) {
      await page.waitForTimeout(500);
      await page
        .locator('.quick-input-widget .monaco-button', { hasText: 'OK' })
        .first()
        .click()
        .catch(() => undefined);
    }
    await page.waitForTimeout(500);
  }
  const target = path.join(s.workspace, csvFiles()[0]);
  const csv = readFileSync(target, 'utf8');
  assert.match(csv.split('\n')[0], /freeze/i);
  for (const f of ['-freeze-0', '-freeze-6', '-freeze-8']) assert.ok(csv.includes(f), `the CSV has a row for ${f}`);

  // Show the hidden run again for the pictures, with a wide panel.
  await frame.locator('.tl-run-checks vscode-checkbox', { hasText: '-freeze-8' }).click();
  await frame.locator('vscode-dropdown[aria-label="X axis"]').click();
  await frame.locator('vscode-option', { hasText: 'Epoch' }).first().click();
  await widenSideBar(page, -120);
  // Back to the top: the accuracy chart first, as a user opening the panel sees it.
  await frame
    .locator('.tl-controls')
    .first()
    .evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(500);
  // The picture first: when the stylesheet is missing it shows how.
  const dark = await s.shot('panel-dark');
  await assertPanelStyled(frame);
  await pickTheme(page, 'Light Modern');
  await page.waitForTimeout(1000);
  await s.shot('panel-light');
  await shotPredictions(s, frame, 'light');
  if (from === 'source') copyFileSync(dark, path.join(SCREENSHOTS, 'readme-panel.png'));

  // A window reload restores the panel (its serializer) with the runs, without a command.
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  for (const f of ['-freeze-0', '-freeze-6', '-freeze-8']) {
    await webviewFrame(page).locator('tr.tl-run', { hasText: f }).filter({ hasText: 'finished' }).waitFor({ timeout: 90_000 });
  }
  await s.shot('panel-after-reload');
  await assertPanelStyled(webviewFrame(page));
}

for (const from of EXTENSION_FROM) {
  test(`sweep from the palette, live panel, hide a run, x-axis, CSV export, light and dark (extension from ${from})`, async () => {
    const s = await openSession({ from: path.join(REPO, 'examples', 'digits'), extension: from });
    try {
      await sweepAndCompare(s, from);
    } finally {
      await s.close();
    }
  });
}
