// Like a user: open the Transfer Lab container, see the welcome view, click "Create Experiment",
// and find the scaffolded file created and open in an editor.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openSession, openContainer, Session } from './session';

let s: Session;
before(async () => {
  s = await openSession();
});
after(async () => {
  await s?.close();
});

test('welcome view offers Create Experiment, which scaffolds and opens experiment.yaml', async () => {
  const { page } = s;
  await openContainer(page);
  const welcome = page.locator('.welcome-view-content', { hasText: 'No experiment file' });
  await welcome.waitFor({ state: 'visible', timeout: 60_000 });
  await s.shot('foundation-welcome');
  await welcome.getByRole('button', { name: 'Create Experiment' }).click();
  const tab = page.locator('.tabs-container .tab', { hasText: 'experiment.yaml' });
  await tab.waitFor({ state: 'visible', timeout: 30_000 });
  const file = path.join(s.workspace, 'experiment.yaml');
  assert.ok(existsSync(file), 'experiment.yaml was written to the workspace');
  assert.match(readFileSync(file, 'utf8'), /^model:/m);
  await page.locator('.monaco-editor .view-lines', { hasText: 'model:' }).first().waitFor({ state: 'visible' });
  // The welcome view gives way once the workspace has an experiment.
  await welcome.waitFor({ state: 'hidden', timeout: 30_000 });
  await s.shot('foundation-created');
});
