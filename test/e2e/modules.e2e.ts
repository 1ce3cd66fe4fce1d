// Like a user: tick a module's checkbox in the Modules view, see experiment.yaml change, undo it
// with the keyboard in the file's editor and, with the file closed, in the view itself; screenshot the tree: with the extension from the source folder, then
// installed from the .vsix.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSession, openContainer, runCommand, Session, EXTENSION_FROM } from './session';

const EXPERIMENT = `# e2e experiment
model: model.yaml
data:
  source: mnist
  classes: [0, 1, 2, 3, 4]
freeze: 0 # nothing frozen
`;

const freezeLine = (s: Session): string =>
  readFileSync(path.join(s.workspace, 'experiment.yaml'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('freeze:')) ?? '';

async function until(probe: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function freezeAndUndo(s: Session): Promise<void> {
  const { page } = s;
  await openContainer(page);
  const tree = page.getByRole('tree', { name: /Modules/ });
  const row = tree.locator('.monaco-list-row[role=treeitem]').filter({ hasText: '2 Conv' });
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const description = page.locator('.pane-header', { hasText: 'Modules' }).locator('.description');
  const before = await description.textContent();
  await s.shot('modules-tree');
  await row.locator('.custom-view-tree-node-item-checkbox').click();
  // Freezing module 2 alone is not a 0…N-1 prefix, so it is written as a list.
  await until(() => freezeLine(s) === 'freeze: [2] # nothing frozen', `freeze: [2], got '${freezeLine(s)}'`);
  await page.waitForFunction((prev) => document.querySelector('.pane-header .description')?.textContent !== prev, before);
  // The header and the row's checkbox are redrawn by separate messages to the window: wait for both.
  await row.locator('.custom-view-tree-node-item-checkbox[aria-checked="true"]').waitFor({ timeout: 20_000 });
  await s.shot('modules-tree-frozen');

  // Undo from the keyboard in the experiment's editor, then save.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget .quick-input-box input').fill('experiment.yaml');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'experiment.yaml' }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines', { hasText: 'freeze:' }).first().click();
  await page.keyboard.press('Control+Z');
  await page.keyboard.press('Control+S');
  await until(() => freezeLine(s) === 'freeze: 0 # nothing frozen', `undo to restore freeze: 0, got '${freezeLine(s)}'`);
  await page.waitForFunction(() => document.querySelector('.custom-view-tree-node-item-checkbox[aria-checked="true"]') === null);
  await s.shot('modules-tree-undone');

  // With the file closed and focus in the Modules view, Ctrl+Z undoes a checkbox click.
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached' });
  await row.locator('.custom-view-tree-node-item-checkbox').click();
  await until(() => freezeLine(s) === 'freeze: [2] # nothing frozen', `freeze: [2], got '${freezeLine(s)}'`);
  // The view's title bar offers the undo too.
  await page.getByRole('button', { name: 'Undo Freeze Change' }).waitFor({ state: 'visible' });
  await s.shot('modules-undo-button', page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Modules' }) }));
  await row.locator('.label-name').click(); // focus stays in the tree: select the row
  await page.keyboard.press('Control+Z');
  await until(() => freezeLine(s) === 'freeze: 0 # nothing frozen', `Ctrl+Z in the view to restore freeze: 0, got '${freezeLine(s)}'`);
  await page.waitForFunction(() => document.querySelector('.custom-view-tree-node-item-checkbox[aria-checked="true"]') === null);
  assert.equal(await page.locator('.editor-group-container .tab').count(), 0, 'no editor was opened');
}

for (const from of EXTENSION_FROM) {
  test(`clicking a module checkbox freezes it in experiment.yaml; Ctrl+Z undoes it, in the file and in the view (extension from ${from})`, async () => {
    const s = await openSession({ experiment: EXPERIMENT, extension: from });
    try {
      await freezeAndUndo(s);
    } finally {
      await s.close();
    }
  });
}
